"""API validation, mirroring the Kubernetes apiserver's.

- ``names``: apimachinery's name/label/metadata checks (util/validation,
  api/validation/objectmeta.go, apis/meta/v1/validation).
- ``core``, ``apps``, ``batch``: per-kind validation as in
  ``pkg/apis/{core,apps,batch}/validation/validation.go``.
"""

from .names import *  # noqa: F401,F403
from .names import __all__ as _names_all

__all__ = list(_names_all)
