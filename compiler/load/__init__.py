"""Load stage: YAML/JSON files, directories and stdin into RawObjects that remember file:line."""
from .loader import LoadResult, load_paths, load_text
from .raw import RawObject, format_path
from .source import Source

__all__ = ["LoadResult", "RawObject", "Source", "format_path", "load_paths", "load_text"]
