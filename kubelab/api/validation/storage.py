"""Validation of PersistentVolume, PersistentVolumeClaim (pkg/apis/core/validation/
validation.go ValidatePersistentVolume*, ValidatePersistentVolumeClaim*) and StorageClass
(pkg/apis/storage/validation/validation.go). Messages and field paths are upstream's."""

from __future__ import annotations

from typing import Any

from ..field import ErrorList, forbidden, invalid, new_path, not_supported, required
from ..quantity import QuantityParseError, parse_quantity
from ..storage import ACCESS_MODES, BINDING_MODES
from .names import (
    name_is_dns_subdomain,
    validate_immutable_field,
    validate_object_meta,
    validate_object_meta_update,
)

_PV_SOURCES = ("host_path", "local", "csi", "nfs", "iscsi", "fc", "gce_persistent_disk",
               "aws_elastic_block_store", "azure_disk", "cephfs", "rbd")
_VOLUME_MODES = ("Block", "Filesystem")


def _access_modes(modes, path) -> ErrorList:
    errs = ErrorList()
    if not modes:
        errs.append(required(path, "at least 1 access mode is required"))
    for m in modes or ():
        if m not in ACCESS_MODES:
            errs.append(not_supported(path, m, ACCESS_MODES))
    if "ReadWriteOncePod" in (modes or ()) and len(modes) > 1:
        errs.append(forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errs


def _storage(qty_map, path, what: str) -> ErrorList:
    errs = ErrorList()
    if not qty_map or "storage" not in qty_map:
        errs.append(required(path.key("storage"), ""))
        return errs
    try:
        q = parse_quantity(qty_map["storage"])
    except QuantityParseError:
        return errs  # the decode check answers 400 first
    if q.sign() <= 0:
        errs.append(invalid(path.key("storage"), str(qty_map["storage"]), "must be greater than zero"))
    return errs


def validate_persistent_volume(pv: Any) -> ErrorList:
    """ValidatePersistentVolume."""
    errs = validate_object_meta(pv.metadata, False, name_is_dns_subdomain, new_path("metadata"))
    spec = new_path("spec")
    errs.extend(_access_modes(pv.spec.access_modes, spec.child("accessModes")))
    if not pv.spec.capacity:
        errs.append(required(spec.child("capacity"), ""))
    else:
        errs.extend(_storage(pv.spec.capacity, spec.child("capacity"), "capacity"))
    policy = pv.spec.persistent_volume_reclaim_policy
    if policy and policy not in ("Delete", "Recycle", "Retain"):
        errs.append(not_supported(spec.child("persistentVolumeReclaimPolicy"), policy, ("Delete", "Recycle", "Retain")))
    if pv.spec.volume_mode and pv.spec.volume_mode not in _VOLUME_MODES:
        errs.append(not_supported(spec.child("volumeMode"), pv.spec.volume_mode, _VOLUME_MODES))
    sources = [s for s in _PV_SOURCES if getattr(pv.spec, s) is not None]
    if not sources:
        errs.append(required(spec, "must specify a volume type"))
    elif len(sources) > 1:
        errs.append(forbidden(spec.child(sources[1]), "may not specify more than 1 volume type"))
    if pv.spec.local is not None and pv.spec.node_affinity is None:
        errs.append(required(spec.child("nodeAffinity"), "Local volume requires node affinity"))
    return errs


def validate_persistent_volume_update(new: Any, old: Any) -> ErrorList:
    """ValidatePersistentVolumeUpdate: the volume source and volumeMode are immutable."""
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(e for e in validate_persistent_volume(new) if not e.field.startswith("metadata"))
    spec = new_path("spec")
    for s in _PV_SOURCES:
        if getattr(new.spec, s) != getattr(old.spec, s):
            errs.append(forbidden(spec.child("persistentvolumesource"), "spec.persistentvolumesource is immutable after creation"))
            break
    errs.extend(validate_immutable_field(new.spec.volume_mode, old.spec.volume_mode, spec.child("volumeMode")))
    if old.spec.node_affinity is not None:
        errs.extend(validate_immutable_field(new.spec.node_affinity, old.spec.node_affinity, spec.child("nodeAffinity")))
    return errs


def validate_persistent_volume_claim(pvc: Any) -> ErrorList:
    """ValidatePersistentVolumeClaim / ValidatePersistentVolumeClaimSpec."""
    errs = validate_object_meta(pvc.metadata, True, name_is_dns_subdomain, new_path("metadata"))
    errs.extend(validate_persistent_volume_claim_spec(pvc.spec, new_path("spec")))
    return errs


def validate_persistent_volume_claim_spec(spec: Any, path) -> ErrorList:
    errs = _access_modes(spec.access_modes, path.child("accessModes"))
    requests = spec.resources.requests if spec.resources else None
    errs.extend(_storage(requests, path.child("resources"), "requests"))
    if spec.volume_mode and spec.volume_mode not in _VOLUME_MODES:
        errs.append(not_supported(path.child("volumeMode"), spec.volume_mode, _VOLUME_MODES))
    return errs


def validate_persistent_volume_claim_update(new: Any, old: Any) -> ErrorList:
    """ValidatePersistentVolumeClaimUpdate: the spec is immutable, except that volumeName and
    storageClassName may be set once when unset, and resources.requests may grow (expansion)."""
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    errs.extend(e for e in validate_persistent_volume_claim(new) if not e.field.startswith("metadata"))
    a, b = new.spec.model_copy(deep=True), old.spec.model_copy(deep=True)
    if not b.volume_name:
        b.volume_name = a.volume_name
    if b.storage_class_name is None:
        b.storage_class_name = a.storage_class_name
    b.resources = a.resources
    b.volume_attributes_class_name = a.volume_attributes_class_name
    if a != b:
        errs.append(forbidden(new_path("spec"), "spec is immutable after creation except resources.requests and "
                                                 "volumeAttributesClassName for bound claims"))
    return errs


def validate_storage_class(sc: Any) -> ErrorList:
    """ValidateStorageClass."""
    errs = validate_object_meta(sc.metadata, False, name_is_dns_subdomain, new_path("metadata"))
    if not sc.provisioner:
        errs.append(required(new_path("provisioner"), ""))
    if sc.reclaim_policy not in ("Delete", "Retain"):
        errs.append(not_supported(new_path("reclaimPolicy"), sc.reclaim_policy, ("Delete", "Retain")))
    if sc.volume_binding_mode is None:
        errs.append(required(new_path("volumeBindingMode"), ""))
    elif sc.volume_binding_mode not in BINDING_MODES:
        errs.append(not_supported(new_path("volumeBindingMode"), sc.volume_binding_mode, BINDING_MODES))
    return errs


def validate_storage_class_update(new: Any, old: Any) -> ErrorList:
    """ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy, volumeBindingMode
    cannot change."""
    errs = validate_object_meta_update(new.metadata, old.metadata, new_path("metadata"))
    if (new.parameters or {}) != (old.parameters or {}):
        errs.append(forbidden(new_path("parameters"), "updates to parameters are forbidden."))
    if new.provisioner != old.provisioner:
        errs.append(forbidden(new_path("provisioner"), "updates to provisioner are forbidden."))
    if new.reclaim_policy != old.reclaim_policy:
        errs.append(forbidden(new_path("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
    errs.extend(validate_immutable_field(new.volume_binding_mode, old.volume_binding_mode, new_path("volumeBindingMode")))
    return errs
