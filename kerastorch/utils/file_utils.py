"""get_file: download (or copy) a file into the Keras cache, check its hash, extract archives."""

import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

__all__ = ["get_file", "validate_file"]

_CHUNK_SIZE = 65535


def _hash_algorithm(file_hash, algorithm):
    if algorithm == "sha256" or (algorithm == "auto" and len(file_hash) == 64):
        return "sha256"
    if algorithm in ("auto", "md5"):
        return "md5"
    raise ValueError(f"get_file: `hash_algorithm` must be 'md5', 'sha256' or 'auto'. Received: {algorithm!r}")


def _hash_file(fpath, algorithm="sha256"):
    hasher = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(fpath, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    """Whether the file's sha256 or md5 hash is `file_hash`.

    Args:
        fpath: path to the file.
        file_hash: expected hex digest.
        algorithm: 'sha256', 'md5' or 'auto' (sha256 for a 64-character hash, else md5).
    """
    algorithm = _hash_algorithm(str(file_hash), algorithm)
    return _hash_file(fpath, algorithm) == str(file_hash)


def _is_within(directory, target):
    directory = os.path.realpath(directory)
    return os.path.commonpath([directory, os.path.realpath(target)]) == directory


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar or zip archive into `path`; returns whether it was one of `archive_format`."""
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for kind in archive_format:
        if kind == "tar":
            is_match, opener = tarfile.is_tarfile, tarfile.open
        elif kind == "zip":
            is_match, opener = zipfile.is_zipfile, zipfile.ZipFile
        else:
            raise ValueError(f"get_file: `archive_format` entries must be 'tar' or 'zip'. Received: {kind!r}")
        if not is_match(file_path):
            continue
        with opener(file_path) as archive:
            names = archive.getnames() if kind == "tar" else archive.namelist()
            unsafe = [name for name in names if not _is_within(path, os.path.join(path, name))]
            if unsafe:
                raise ValueError(f"get_file: archive {file_path!r} has members outside the target folder: {unsafe}")
            try:
                archive.extractall(path)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                if os.path.exists(path):
                    if os.path.isfile(path):
                        os.remove(path)
                    else:
                        shutil.rmtree(path)
                raise
        return True
    return False


def _cache_root(cache_dir):
    if cache_dir is None:
        cache_dir = os.path.join(os.path.expanduser("~"), ".keras")
    cache_dir = os.path.expanduser(cache_dir)
    if not os.access(cache_dir if os.path.exists(cache_dir) else os.path.dirname(cache_dir) or ".", os.W_OK):
        cache_dir = os.path.join("/tmp", ".keras")
    return cache_dir


def _download(origin, fpath):
    try:
        try:
            with urllib.request.urlopen(origin) as response, open(fpath, "wb") as out:
                shutil.copyfileobj(response, out, _CHUNK_SIZE)
        except urllib.error.HTTPError as error:
            raise Exception(f"URL fetch failure on {origin}: {error.code} -- {error.msg}") from error
        except urllib.error.URLError as error:
            raise Exception(f"URL fetch failure on {origin}: {error.errno} -- {error.reason}") from error
    except (Exception, KeyboardInterrupt):
        if os.path.exists(fpath):
            os.remove(fpath)
        raise


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
):
    """Downloads a file from a URL if it is not already in the cache.

    The file goes to `cache_dir/cache_subdir/fname` (default `~/.keras/datasets/fname`, or
    `/tmp/.keras/...` when the home folder is not writable). A cached file whose hash differs from
    `file_hash` is downloaded again. Any URL `urllib` opens works, `file://` included.

    Args:
        fname: file name; an absolute path saves the file there. Default: the URL's last part.
        origin: URL of the file.
        untar: deprecated; extract the `.tar.gz` saved as `fname + '.tar.gz'` and return the
            extracted folder `fname`.
        md5_hash: deprecated; use `file_hash`.
        file_hash: expected sha256 or md5 hex digest of the file.
        cache_subdir: sub-folder of the cache (an absolute path is used as is).
        hash_algorithm: 'md5', 'sha256' or 'auto'.
        extract: extract the file as an archive next to it.
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of those, or None.
        cache_dir: cache location (default `~/.keras`).

    Returns:
        The path of the downloaded file (or of the extracted folder with `untar`).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    if fname is None:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. Please specify `fname`.")
    fname = os.fspath(fname)
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[: -len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        print(
            f"A local file was found, but it seems to be incomplete or outdated because the "
            f"{_hash_algorithm(str(file_hash), hash_algorithm)} file hash does not match the original value of "
            f"{file_hash} so we will re-download the data."
        )
        download = True
    if download:
        print(f"Downloading data from {origin}")
        _download(origin, fpath)
        if file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected. The {_hash_algorithm(str(file_hash), hash_algorithm)} "
                f"file hash does not match the provided value of {file_hash}."
            )
    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath
