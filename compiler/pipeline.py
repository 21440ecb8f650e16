"""load -> model -> index, shared by every command.

One bad object is left out and reported, as istiod skips it; the rest of the mesh still compiles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO

from mesh_compile.diagnostics import ERROR, INFO, Problem

if TYPE_CHECKING:   # imported when a load runs: the yaml-rs reader is not for every command
    from mesh_compile.load.fast_documents import DocumentsFn

CheckFn = Callable[[list, str], list]   # raw objects, default namespace -> [(object or None, problems)]


@dataclass
class LoadedMesh:
    index: Any                                   # MeshIndex, or None when input could not be read
    problems: list[Problem] = field(default_factory=list)
    fatal: list[Problem] = field(default_factory=list)
    objects: list[Any] = field(default_factory=list)
    changed_kinds: set[str] | None = None        # with a ReloadCache: kinds changed since its last load

    @property
    def invalid(self) -> bool:
        return any(p.level == ERROR for p in self.problems)


class ReloadCache:
    """What a reload may keep from the last successful load (`serve --watch`): the objects of unchanged
    documents (load/reuse.py) and their parsed, validated form, which is a pure function of the
    loaded object and the default namespace."""

    def __init__(self) -> None:
        from mesh_compile.load.reuse import DocumentCache
        self.documents = DocumentCache()
        # id(raw) -> (raw, object, problems, the raw's line when they were made)
        self.parsed: dict[int, tuple[Any, Any, list[Problem], int]] = {}
        self._mesh_config_text: str | None = None
        self.index: Any = None        # the last MeshIndex: its parts of unchanged kinds are kept (mesh_index.py)

    def mesh_config_changed(self, path: str | None) -> set[str]:
        """{"MeshConfig"} when the --mesh-config file's text differs from the last load's."""
        if not path:
            return set()
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text: str | None = fh.read()
        except OSError:
            text = None
        changed, self._mesh_config_text = text is None or text != self._mesh_config_text, text
        return {"MeshConfig"} if changed else set()

    def parse_all(self, raws: list[Any], default_namespace: str) -> list[tuple[Any, list[Problem]]]:
        """(object, problems) per raw object, parsing only those the last load did not see; what this
        load used is kept for the next one (one loop: it runs for every object of every reload). An
        object whose document moved to other lines (load/reuse.py) keeps its parse, at its new lines."""
        from mesh_compile.model.objects import parse_object
        last, now, out = self.parsed, {}, []
        for raw in raws:
            hit = last.get(id(raw))
            if hit is None or hit[0] is not raw:
                hit = (raw, *parse_object(raw, default_namespace), raw.source.line)
            elif hit[3] != raw.source.line:
                hit = _moved(hit)
            now[id(raw)] = hit
            out.append((hit[1], hit[2]))
        self.parsed = now
        return out


def _moved(hit: tuple[Any, Any, list[Problem], int]) -> tuple[Any, Any, list[Problem], int]:
    """A parse whose object's document moved: the object takes the new source, the problems new lines."""
    from mesh_compile.load.reuse import moved_problems
    raw, obj, problems, line = hit
    if obj is not None:
        obj.source = raw.source
    return raw, obj, moved_problems(problems, raw.source.line - line), raw.source.line


def _mesh_from_configmap(obj: Any) -> tuple[Any, list[Problem]]:
    from mesh_compile.model.mesh_config import parse_mesh_config
    data = getattr(obj.obj, "data", None) or {}
    text = data.get("mesh") if isinstance(data, dict) else None
    return parse_mesh_config(text, obj.source) if text else (None, [])


def load_mesh(paths: Sequence[str], *, mesh_config: str | None = None, stdin: TextIO | None = None,
              default_namespace: str = "default", external_name_alias: bool = True,
              roots_in_creation_order: bool = True, cache: ReloadCache | None = None,
              read_documents: DocumentsFn | None = None, check_objects: CheckFn | None = None) -> LoadedMesh:
    """The mesh in `paths`, parsed, checked and indexed. `read_documents(text)` (yaml-rs's read of one
    file) and `check_objects(raw objects, default namespace)` (parse_object for each) do the per-document
    work: fast_documents and in order in this process by default; the CLI shares it between two
    processes (cli/parallel_load.py, cli/prefetch.py)."""
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.load.loader import load_paths

    if cache is not None:
        cache.documents.begin()
    loaded = load_paths(list(paths), stdin=stdin, cache=cache.documents if cache is not None else None,
                        read_documents=read_documents)
    result = LoadedMesh(index=None, problems=list(loaded.problems), fatal=list(loaded.fatal))
    if result.fatal:
        return result
    mesh = None
    parsed = (cache.parse_all(loaded.objects, default_namespace) if cache is not None
              else _parse_objects(loaded.objects, default_namespace, check_objects))
    for obj, problems in parsed:
        if problems:
            result.problems.extend(problems)
        if obj is None:
            continue
        if obj.kind == "ConfigMap":
            if obj.meta.name == "istio" and obj.meta.namespace == "istio-system":
                mesh, mp = _mesh_from_configmap(obj)
                result.problems.extend(mp)
            continue
        result.objects.append(obj)
    if mesh_config:
        mesh, mp = _load_mesh_file(mesh_config)
        result.problems.extend(mp)
        if any(p.level == ERROR for p in mp) and mesh is None:
            result.fatal.extend(mp)
            return result
    from mesh_compile.index.unsupported import unsupported_features
    result.problems.extend(unsupported_features(result.objects))
    result.index = MeshIndex(result.objects, settings_from(mesh), external_name_alias=external_name_alias,
                             roots_in_creation_order=roots_in_creation_order,
                             previous=cache.index if cache is not None else None)
    if cache is not None:
        cache.index = result.index
        result.changed_kinds = cache.documents.commit() | cache.mesh_config_changed(mesh_config)
    return result


def _parse_objects(raws: list[Any], default_namespace: str, check_objects: CheckFn | None) -> list[Any]:
    if check_objects is not None:
        return check_objects(raws, default_namespace)
    from mesh_compile.model.objects import parse_object
    return [parse_object(raw, default_namespace) for raw in raws]


def _load_mesh_file(path: str) -> tuple[Any, list[Problem]]:
    """--mesh-config: a MeshConfig YAML, or the `istio` ConfigMap that holds one under data.mesh."""
    from mesh_compile.model.mesh_config import parse_mesh_config
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        return None, [Problem(ERROR, f"cannot read mesh config: {exc.strerror}", file=path)]
    import yaml
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(ERROR, f"YAML syntax error: {getattr(exc, 'problem', exc)}", file=path,
                              line=mark.line + 1 if mark else None)]
    if isinstance(data, dict) and data.get("kind") == "ConfigMap":
        data = (data.get("data") or {}).get("mesh") or {}
    from mesh_compile.load.source import Source
    return parse_mesh_config(data, Source(path, 1))


def notice(message: str) -> Problem:
    return Problem(INFO, message)
