"""WikiText-2 (Merity et al., 2017, "Pointer Sentinel Mixture Models"): its files, their
checksums, a verified download, and where to find them.

The standard files are the tokenised splits of ``wikitext-2-v1`` (``wiki.{split}.tokens``,
kept by the PyTorch example as ``{split}.txt``). A folder may hold either name. Downloads
go through ``NAME.partial`` files in the target folder and reach their final names only
after their checksum matched (``os.replace``), so an interrupted or corrupt download never
looks like data. On machines without network only the folders already present count: the
development machines have the validation and test splits only (``../shared/data/wikitext-2``).

Example:
    >>> folder = locate(("valid", "test"))            # None when no verified copy is found
    >>> tokens = read_tokens(find_split(folder, "valid"))   # 217,646 tokens
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import urllib.request
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class SplitFile:
    """One split's file as published: size, digest and token count (``<eos>`` per line)."""

    split: str
    n_bytes: int
    digest_algorithm: str
    digest: str
    n_tokens: int


@dataclass(frozen=True)
class Archive:
    """The published zip: its sha256, the member holding each split, and the URLs to try in order."""

    name: str
    sha256: str
    members: Mapping[str, str]
    urls: tuple[str, ...]


FILES: Mapping[str, SplitFile] = MappingProxyType({
    # Only the train file's sha1 is on record (GluonNLP); valid's sha1 matches GluonNLP's too.
    "train": SplitFile("train", 10_797_148, "sha1", "863f29c46ef9d167fff4940ec821195882fe29d1", 2_088_628),
    "valid": SplitFile("valid", 1_121_681, "sha256",
                       "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8", 217_646),
    "test": SplitFile("test", 1_256_449, "sha256",
                      "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0", 245_569),
})
VOCABULARY_SIZE = 33_278  # distinct tokens of the three splits together, "<eos>" included
ARCHIVE = Archive(
    "wikitext-2-v1.zip",
    "92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c",  # as registered by Julia's DataDeps
    MappingProxyType({split: f"wikitext-2/wiki.{split}.tokens" for split in ("train", "valid", "test")}),
    ("https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
     "https://wikitext.smerity.com/wikitext-2-v1.zip"),
)
# Per-file fallback: the PyTorch example keeps the same bytes. "{split}" marks a per-file URL.
FILE_URLS = ("https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/{split}.txt",)
SHARED_FOLDER = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wikitext-2"

_verified: set[tuple] = set()  # (path, size, mtime_ns, algorithm, digest) already checked in this process


def _check_splits(splits: Sequence[str]) -> tuple[str, ...]:
    if isinstance(splits, str) or not splits or any(split not in FILES for split in splits):
        raise ValueError(f"splits: expected a non-empty sequence of {sorted(FILES)}, got {splits!r}")
    return tuple(splits)


def _how_to_get() -> str:
    return (f"Call rnnattr.data.wikitext2.download(folder) where the network allows it (Colab, a laptop), or "
            f"download {' or '.join(ARCHIVE.urls)} and unzip it there. On machines without network the "
            f"training split is unavailable; reduced runs use valid/test from {SHARED_FOLDER}.")


def find_split(folder: str | os.PathLike, split: str) -> Path:
    """Return the path of ``split``'s file in ``folder``: ``{split}.txt`` or ``wiki.{split}.tokens``."""
    _check_splits([split])
    names = (f"{split}.txt", f"wiki.{split}.tokens")
    for name in names:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise FileNotFoundError(f"WikiText-2 {split} split not found in {folder} (looked for {' or '.join(names)}). "
                            + _how_to_get())


def _digest(path: Path, algorithm: str) -> str:
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def verify(path: str | os.PathLike, split: str) -> Path:
    """Return ``path`` if its size and then its digest match ``FILES[split]``, else raise
    ``ValueError`` (the file is left as it is). Results are remembered per (path, size, mtime)."""
    _check_splits([split])
    path, record = Path(path), FILES[split]
    stat = path.stat()  # FileNotFoundError names the path
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, record.digest_algorithm, record.digest)
    if key in _verified:
        return path
    if stat.st_size != record.n_bytes:
        raise ValueError(f"{path}: expected {record.n_bytes} bytes for the WikiText-2 {split} split, got "
                         f"{stat.st_size}; the file is truncated, corrupt or a different version")
    got = _digest(path, record.digest_algorithm)
    if got != record.digest:
        raise ValueError(f"{path}: expected {record.digest_algorithm} {record.digest} for the WikiText-2 {split} "
                         f"split, got {got}; the file is corrupt or a different version")
    _verified.add(key)
    return path


def _fetch(url: str, target: Path, timeout: float) -> None:
    """Stream ``url`` into ``target``; raise ``OSError`` if fewer bytes than announced arrive."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as handle:
        shutil.copyfileobj(response, handle, 1 << 20)
        announced = response.headers.get("Content-Length")
    if announced is not None and target.stat().st_size != int(announced):
        raise OSError(f"interrupted: got {target.stat().st_size} of {announced} bytes")


def _install(partial: Path, folder: Path, split: str) -> Path:
    """Verify ``partial`` as ``split`` and rename it to ``{split}.txt``."""
    verify(partial, split)
    final = folder / f"{split}.txt"
    os.replace(partial, final)
    return verify(final, split)  # cached: the rename keeps size and mtime


def _from_archive(url: str, folder: Path, splits: list[str], timeout: float) -> None:
    archive = folder / (ARCHIVE.name + ".partial")
    partials = [folder / f"{split}.txt.partial" for split in splits]
    try:
        _fetch(url, archive, timeout)
        got = _digest(archive, "sha256")
        if got != ARCHIVE.sha256:
            raise ValueError(f"expected sha256 {ARCHIVE.sha256} for {ARCHIVE.name}, got {got}")
        with zipfile.ZipFile(archive) as zipped:
            for split, partial in zip(splits, partials):
                with zipped.open(ARCHIVE.members[split]) as member, open(partial, "wb") as handle:
                    shutil.copyfileobj(member, handle, 1 << 20)
        for split, partial in zip(splits, partials):
            _install(partial, folder, split)
    finally:
        for leftover in (archive, *partials):
            leftover.unlink(missing_ok=True)


def _from_file(url: str, folder: Path, split: str, timeout: float) -> None:
    partial = folder / f"{split}.txt.partial"
    try:
        _fetch(url, partial, timeout)
        _install(partial, folder, split)
    finally:
        partial.unlink(missing_ok=True)


def download(folder: str | os.PathLike, splits: Sequence[str] = ("train", "valid", "test"),
             urls: Sequence[str] | None = None, timeout: float = 60) -> dict[str, Path]:
    """Return ``{split: path}`` of verified files in ``folder``, downloading the missing ones.

    Args:
        folder: where the files go (created if needed), as ``{split}.txt``.
        splits: which of "train", "valid", "test".
        urls: sources tried in order until every split is in; a URL containing ``{split}`` is
            a per-file URL, any other is the zip archive. Default: ``ARCHIVE.urls + FILE_URLS``.
        timeout: seconds a connection may stall.

    A split already present (either file name) is verified, not downloaded again; a present
    file that fails verification raises ``ValueError`` and is left for you to inspect. Raises
    ``RuntimeError`` listing every URL tried and its error when some split could not be got.
    """
    splits = _check_splits(splits)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    urls = tuple(ARCHIVE.urls + FILE_URLS if urls is None else urls)
    folder = Path(folder)
    found, missing = {}, []
    for split in splits:
        try:
            found[split] = verify(find_split(folder, split), split)
        except FileNotFoundError:
            missing.append(split)
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        per_file = "{split}" in url  # one request per split, else one archive for all
        for group in ([[split] for split in missing] if per_file else [missing] if missing else []):
            source = url.format(split=group[0]) if per_file else url
            try:
                if per_file:
                    _from_file(source, folder, group[0], timeout)
                else:
                    _from_archive(source, folder, group, timeout)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, http.client.HTTPException) as error:
                errors.append(f"  {source}: {type(error).__name__}: {error}")
            else:
                found.update({split: folder / f"{split}.txt" for split in group})
        missing = [split for split in missing if split not in found]
    if missing:
        raise RuntimeError(f"could not download WikiText-2 {missing} into {folder}; tried:\n" + "\n".join(errors)
                           + "\nWithout network, copy the files there by hand (the training split is then "
                             "unavailable; reduced runs use valid/test).")
    return {split: found[split] for split in splits}


def default_cache() -> Path:
    """Return ``$RNNATTR_DATA`` if set, else ``~/.cache/rnnattr/wikitext-2``."""
    return Path(os.environ.get("RNNATTR_DATA") or Path.home() / ".cache" / "rnnattr" / "wikitext-2")


def locate(splits: Sequence[str] = ("valid", "test"), folder: str | os.PathLike | None = None,
           download_missing: bool = False) -> Path | None:
    """Return the first folder holding every split in ``splits``, verified, or ``None``.

    Looks in ``folder`` alone if given, else in ``$RNNATTR_DATA``, the cache
    (:func:`default_cache`) and the shared development folder ``SHARED_FOLDER``. A folder
    whose file fails verification is skipped with a warning. If none holds them all and
    ``download_missing``, downloads into ``folder`` (or the cache) and returns it.
    """
    splits = _check_splits(splits)
    candidates = [Path(folder)] if folder is not None else [default_cache(), SHARED_FOLDER]
    for candidate in dict.fromkeys(candidates):  # once each, should the cache be the shared folder
        try:
            for split in splits:
                verify(find_split(candidate, split), split)
        except FileNotFoundError:
            continue
        except ValueError as error:
            warnings.warn(f"skipping {candidate}: {error}", stacklevel=2)
            continue
        return candidate
    if download_missing:
        target = candidates[0]
        download(target, splits)
        return target
    return None
