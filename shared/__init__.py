"""Caseway's shared core: models, domain services, jobs and infrastructure both apps use."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
