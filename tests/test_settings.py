"""Settings that the queue's correctness depends on."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int


def test_cluster_runs_one_worker_on_the_database():
    cluster = settings.Q_CLUSTER

    assert cluster["workers"] == 1
    assert cluster["orm"] == "default"
    assert cluster["timeout"] < cluster["retry"]
    assert 0 < cluster["max_attempts"] < 10


def test_cluster_timeout_outlasts_every_watchdog():
    limits = (
        settings.ANALYSIS_PROCESSING_TIMEOUT_SECONDS,
        settings.REACTION_PROCESSING_TIMEOUT_SECONDS,
    )

    assert settings.Q_CLUSTER["timeout"] > max(limits)


def test_debug_is_off_by_default():
    assert settings.DEBUG is False
    assert "*" not in settings.ALLOWED_HOSTS


def test_boolean_setting_must_be_true_or_false(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "yes")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_number_setting_must_parse(monkeypatch):
    monkeypatch.setenv("SOME_LIMIT", "ten")

    with pytest.raises(ImproperlyConfigured, match="SOME_LIMIT"):
        env_int("SOME_LIMIT", 5)


@pytest.mark.django_db
def test_sqlite_uses_wal_and_immediate_transactions():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf"])
def test_decimal_setting_must_be_finite(monkeypatch, raw):
    monkeypatch.setenv("SOME_RATE", raw)

    with pytest.raises(ImproperlyConfigured, match="finite"):
        env_float("SOME_RATE", 5.0)
