// Reaction recorder: record the camera while the video plays, then upload.
//
// Recording starts when the video starts playing and stops when it
// pauses, ends or the Stop button is pressed. The upload carries the
// video's position when recording started (the offset), so the worker can
// put the reaction on the video's clock.
"use strict";

// Tried in order; the first one the browser can record is used.
const RECORDING_TYPES = [
  "video/webm;codecs=vp9",
  "video/webm;codecs=vp8",
  "video/webm",
  "video/mp4;codecs=avc1",
  "video/mp4",
];

const CAMERA_PROBLEMS = {
  insecure: {
    title: "The camera needs a secure connection",
    text:
      "Browsers only offer the camera to pages opened over HTTPS or on localhost, " +
      "and this page was opened at {origin}. Open Reaction Lab over HTTPS, or at " +
      "http://localhost on the machine that runs it.",
    retry: false,
  },
  unsupported: {
    title: "This browser cannot use a camera",
    text: "Open this page in a current version of Firefox, Chrome, Edge or Safari.",
    retry: false,
  },
  norecorder: {
    title: "This browser cannot record video",
    text:
      "It has no MediaRecorder, which recording needs. Open this page in a current " +
      "version of Firefox, Chrome, Edge or Safari.",
    retry: false,
  },
  NotAllowedError: {
    title: "Camera access was denied",
    text:
      "Allow the camera for this site (the camera icon in the address bar, or the " +
      "site settings), then press Try again.",
    retry: true,
  },
  NotFoundError: {
    title: "No camera was found",
    text: "Connect a webcam or turn on the built-in one, then press Try again.",
    retry: true,
  },
  NotReadableError: {
    title: "The camera is busy",
    text:
      "Another application or browser tab is using the camera. Close it, then " +
      "press Try again.",
    retry: true,
  },
  other: {
    title: "The camera could not be started",
    text: "The browser reported: {detail}. Press Try again, or reload the page.",
    retry: true,
  },
};
// Other names for the same problems, from older browsers or the spec.
CAMERA_PROBLEMS.SecurityError = CAMERA_PROBLEMS.NotAllowedError;
CAMERA_PROBLEMS.OverconstrainedError = CAMERA_PROBLEMS.NotFoundError;
CAMERA_PROBLEMS.AbortError = CAMERA_PROBLEMS.NotReadableError;

function pickRecordingType() {
  return RECORDING_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

function toast(message, level) {
  document.body.dispatchEvent(new CustomEvent("showToast", { detail: { message, level } }));
}

class Recorder {
  constructor(root) {
    this.root = root;
    this.video = document.getElementById("stimulus");
    this.preview = root.querySelector("[data-camera-preview]");
    this.cameraState = root.querySelector("[data-camera-state]");
    this.recIndicator = root.querySelector("[data-rec-indicator]");
    this.startButton = root.querySelector("[data-start]");
    this.stopButton = root.querySelector("[data-stop]");
    this.uploadAgainButton = root.querySelector("[data-upload-again]");
    this.banner = root.querySelector("[data-camera-banner]");
    this.videoBanner = root.querySelector("[data-video-banner]");
    this.progress = root.querySelector("[data-upload-progress]");
    this.statusBox = root.querySelector("[data-reaction-status]");

    this.stream = null;
    this.mediaRecorder = null;
    this.chunks = [];
    this.offset = 0;
    this.pendingUpload = null;

    this.startButton.addEventListener("click", () => this.video.play());
    this.stopButton.addEventListener("click", () => this.video.pause());
    this.uploadAgainButton.addEventListener("click", () => this.upload(this.pendingUpload));
    root.querySelector("[data-camera-retry]").addEventListener("click", () => this.openCamera());
    this.video.addEventListener("play", () => this.startRecording());
    this.video.addEventListener("pause", () => this.stopRecording());
    this.video.addEventListener("ended", () => this.stopRecording());
    this.video.addEventListener("error", () => this.showVideoProblem());
    if (this.video.error) {
      this.showVideoProblem();
    }
  }

  // The file may be one the worker has not read yet, or one this browser
  // cannot decode. A recording would then have no video to follow.
  showVideoProblem() {
    this.videoBanner.hidden = false;
    this.startButton.disabled = true;
    this.root.dataset.videoFailed = "true";
  }

  showProblem(key, detail = "") {
    const problem = CAMERA_PROBLEMS[key] || CAMERA_PROBLEMS.other;
    this.banner.querySelector("[data-banner-title]").textContent = problem.title;
    this.banner.querySelector("[data-banner-text]").textContent = problem.text
      .replace("{origin}", window.location.origin)
      .replace("{detail}", detail);
    this.banner.querySelector("[data-camera-retry]").hidden = !problem.retry;
    this.banner.hidden = false;
    this.banner.dataset.problem = key in CAMERA_PROBLEMS ? key : "other";
    this.preview.hidden = true;
    this.cameraState.hidden = false;
    this.cameraState.textContent = "No camera: see the message above.";
    this.startButton.disabled = true;
  }

  async openCamera() {
    // getUserMedia is hidden outside a secure context, so check that first
    // to give the real reason rather than "unsupported".
    if (!window.isSecureContext) {
      this.showProblem("insecure");
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      this.showProblem("unsupported");
      return;
    }
    if (typeof window.MediaRecorder === "undefined") {
      this.showProblem("norecorder");
      return;
    }

    this.banner.hidden = true;
    this.cameraState.textContent = "Asking for camera access…";
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (error) {
      this.showProblem(error.name, `${error.name}: ${error.message}`);
      return;
    }

    this.preview.srcObject = this.stream;
    this.preview.hidden = false;
    this.cameraState.hidden = true;
    this.startButton.disabled = Boolean(this.root.dataset.videoFailed);
  }

  startRecording() {
    if (!this.stream || this.mediaRecorder) {
      return;
    }

    const type = pickRecordingType();
    this.mediaRecorder = new MediaRecorder(this.stream, type ? { mimeType: type } : {});
    this.chunks = [];
    this.offset = this.video.currentTime;
    this.mediaRecorder.addEventListener("dataavailable", (event) => {
      if (event.data.size) {
        this.chunks.push(event.data);
      }
    });
    this.mediaRecorder.addEventListener("stop", () => this.finishRecording());
    this.mediaRecorder.start(1000);

    // Seeking while recording would break the offset's alignment, so the
    // video's own controls are hidden until the recording stops.
    this.video.controls = false;
    this.recIndicator.hidden = false;
    this.startButton.disabled = true;
    this.stopButton.disabled = false;
    this.root.dataset.state = "recording";
  }

  stopRecording() {
    if (this.mediaRecorder && this.mediaRecorder.state !== "inactive") {
      this.mediaRecorder.stop();
    }
  }

  finishRecording() {
    const type = this.mediaRecorder.mimeType || "video/webm";
    const blob = new Blob(this.chunks, { type });
    this.mediaRecorder = null;
    this.chunks = [];
    this.video.controls = true;
    this.recIndicator.hidden = true;
    this.stopButton.disabled = true;
    this.startButton.disabled = Boolean(this.root.dataset.videoFailed);
    this.root.dataset.state = "stopped";

    if (!blob.size) {
      toast("Nothing was recorded. Press Start and let the video play.", "error");
      return;
    }
    const extension = type.includes("mp4") ? "mp4" : "webm";
    this.upload({ blob, name: `reaction.${extension}`, offset: this.offset });
  }

  upload(recording) {
    if (recording.blob.size > Number(this.root.dataset.maxBytes)) {
      toast(this.root.dataset.tooLargeMessage, "error");
      return;
    }

    const body = new FormData();
    body.append("file", recording.blob, recording.name);
    body.append("offset", recording.offset.toFixed(3));

    const request = new XMLHttpRequest();
    request.open("POST", this.root.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        this.showProgress(Math.round((event.loaded / event.total) * 100));
      }
    });
    request.addEventListener("load", () => this.uploaded(request, recording));
    request.addEventListener("error", () => this.uploadFailed(recording, "the server could not be reached"));

    this.uploadAgainButton.hidden = true;
    this.startButton.disabled = true;
    this.showProgress(0);
    this.root.dataset.state = "uploading";
    request.send(body);
  }

  showProgress(percent) {
    this.progress.hidden = false;
    this.progress.querySelector("progress").value = percent;
    this.progress.querySelector("[data-progress-text]").textContent =
      percent >= 100 ? "Uploaded, saving…" : `${percent} %`;
  }

  uploaded(request, recording) {
    this.progress.hidden = true;
    this.startButton.disabled = !this.stream;

    let answer = {};
    try {
      answer = JSON.parse(request.responseText);
    } catch {
      // An error page rather than JSON: fall back to the HTTP status below.
    }
    if (request.status !== 202) {
      const detail = answer.detail || answer.file?.[0] || answer.offset?.[0] || `HTTP ${request.status}`;
      this.uploadFailed(recording, detail);
      return;
    }

    this.root.dataset.state = "uploaded";
    this.root.dataset.reactionId = answer.reaction_id;
    toast("The recording was uploaded and queued for analysis.", "success");
    const statusUrl = this.root.dataset.statusUrl.replace(/\/0\/status$/, `/${answer.reaction_id}/status`);
    htmx.ajax("GET", statusUrl, { target: this.statusBox, swap: "innerHTML" });
  }

  uploadFailed(recording, reason) {
    this.progress.hidden = true;
    this.startButton.disabled = !this.stream;
    this.root.dataset.state = "upload-failed";
    this.pendingUpload = recording;
    this.uploadAgainButton.hidden = false;
    toast(`The upload failed: ${reason}. Press Upload again to retry.`, "error");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-recorder]");
  if (root) {
    new Recorder(root).openCamera();
  }
});
