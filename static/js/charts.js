// Emotion timeline charts tied to the analysis page's video player.
//
// Each <canvas data-emotion-chart> reads its series from the JSON element
// named by data-source and draws the seven emotions. A <canvas
// data-viewer-chart> draws one emotion for each viewer and their average;
// a <select data-viewer-emotion> picks the emotion. A vertical line
// follows the video's playback position, and a click (or the arrow keys)
// moves the video there.
"use strict";

const EMOTION_COLOURS = {
  angry: "#d62728",
  disgust: "#6b8e23",
  fear: "#9467bd",
  happy: "#e6a100",
  sad: "#1f77b4",
  surprise: "#ff7f0e",
  neutral: "#7f7f7f",
};

// Colours of the viewers' lines, reused in turn when there are more viewers.
const VIEWER_COLOURS = [
  "#2b59c3", "#d62728", "#1e7a46", "#9467bd", "#e6a100",
  "#17becf", "#8c564b", "#e377c2",
];

const SEEK_STEP_SECONDS = 1;

function formatSeconds(value) {
  const minutes = Math.floor(value / 60);
  const seconds = Math.floor(value % 60);
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

// Draws the playback position; chart.$video is set by createChart.
const playheadPlugin = {
  id: "playhead",
  afterDatasetsDraw(chart) {
    const video = chart.$video;
    if (!video) {
      return;
    }
    const { ctx, chartArea, scales } = chart;
    const x = scales.x.getPixelForValue(video.currentTime);
    if (x < chartArea.left || x > chartArea.right) {
      return;
    }
    ctx.save();
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, chartArea.top);
    ctx.lineTo(x, chartArea.bottom);
    ctx.stroke();
    ctx.restore();
  },
};

function seek(video, seconds) {
  const end = Number.isFinite(video.duration) ? video.duration : seconds;
  video.currentTime = Math.min(Math.max(seconds, 0), end);
}

// Every chart of one video is redrawn on each animation frame while the
// video plays, and once after each seek.
function followVideo(video, chart) {
  if (!video.$charts) {
    video.$charts = new Set();
    const redraw = () => {
      for (const each of video.$charts) {
        if (each.canvas.isConnected) {
          each.draw();
        } else {
          each.destroy();
          video.$charts.delete(each);
        }
      }
    };
    const loop = () => {
      redraw();
      if (!video.paused && !video.ended) {
        requestAnimationFrame(loop);
      }
    };
    video.addEventListener("play", () => requestAnimationFrame(loop));
    video.addEventListener("seeked", redraw);
    video.addEventListener("timeupdate", redraw);
  }
  video.$charts.add(chart);
}

function readChartData(canvas) {
  return JSON.parse(document.getElementById(canvas.dataset.source).textContent);
}

function chartDuration(data, times) {
  return data.duration || (times.length ? times[times.length - 1] : 0);
}

function lineDataset(label, times, values, colour) {
  return {
    label,
    data: times.map((time, index) => ({ x: time, y: values[index] })),
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 1.5,
    pointRadius: 0,
    spanGaps: false,
  };
}

function emotionDatasets(part) {
  return Object.entries(part.series).map(([emotion, values]) =>
    lineDataset(emotion, part.times, values, EMOTION_COLOURS[emotion]),
  );
}

// One line per viewer for `emotion`, and the viewers' average, dashed.
function viewerDatasets(data, emotion) {
  const datasets = data.viewers.map((viewer, index) =>
    lineDataset(
      viewer.label,
      viewer.times,
      viewer.series[emotion],
      VIEWER_COLOURS[index % VIEWER_COLOURS.length],
    ),
  );
  const average = lineDataset(
    "Average",
    data.reactions.times,
    data.reactions.series[emotion],
    "#1d2433",
  );
  average.borderWidth = 3;
  average.borderDash = [6, 4];
  return [average, ...datasets];
}

function drawChart(canvas, datasets, duration) {
  const video = document.getElementById(canvas.dataset.video);
  const existing = Chart.getChart(canvas);
  if (existing) {
    existing.destroy();
  }

  const chart = new Chart(canvas, {
    type: "line",
    data: { datasets },
    plugins: [playheadPlugin],
    options: {
      animation: false,
      maintainAspectRatio: false,
      normalized: true,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: 0,
          max: duration,
          title: { display: true, text: "Video time" },
          ticks: { callback: formatSeconds },
        },
        y: {
          min: 0,
          max: 1,
          title: { display: true, text: "Score" },
          ticks: { callback: (value) => `${Math.round(value * 100)} %` },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? formatSeconds(items[0].parsed.x) : ""),
            label: (item) => `${item.dataset.label}: ${Math.round(item.parsed.y * 100)} %`,
          },
        },
      },
      onClick: (event, _elements, target) => {
        if (video) {
          seek(video, target.scales.x.getValueForPixel(event.x));
          target.draw();
        }
      },
    },
  });

  if (video) {
    chart.$video = video;
    followVideo(video, chart);
    canvas.addEventListener("keydown", (event) => {
      const step = { ArrowLeft: -SEEK_STEP_SECONDS, ArrowRight: SEEK_STEP_SECONDS }[event.key];
      if (step) {
        event.preventDefault();
        seek(video, video.currentTime + step);
      }
    });
  }
  return chart;
}

function createChart(canvas) {
  const data = readChartData(canvas);
  const part = data[canvas.dataset.series];
  drawChart(canvas, emotionDatasets(part), chartDuration(data, part.times));
}

function createViewerChart(canvas) {
  const data = readChartData(canvas);
  const times = data.reactions.times;
  const chart = drawChart(canvas, viewerDatasets(data, canvas.dataset.emotion), chartDuration(data, times));
  chart.$data = data;
}

// Redraws the viewer chart's lines for the emotion picked in the selector.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-viewer-emotion]")) {
    return;
  }
  const canvas = document.getElementById(event.target.getAttribute("aria-controls"));
  const chart = Chart.getChart(canvas);
  canvas.dataset.emotion = event.target.value;
  chart.data.datasets = viewerDatasets(chart.$data, event.target.value);
  chart.update();
});

// Runs for the page and again for each fragment htmx swaps in.
htmx.onLoad((root) => {
  root.querySelectorAll?.("[data-emotion-chart]").forEach(createChart);
  root.querySelectorAll?.("[data-viewer-chart]").forEach(createViewerChart);
});
