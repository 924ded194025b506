"""Admin routes (filled in by the admin work)."""

from __future__ import annotations

import fastapi

router = fastapi.APIRouter(tags=["admin"])
