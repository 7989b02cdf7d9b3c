"""Origins (scheme://host[:port]) and the URLs a host page sends: untrusted text, parsed
strictly."""

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """`https://Example.com:443/` -> `https://example.com`; None when not an origin."""
    value = (value or "").strip()
    if not value or len(value) > 300 or any(ch.isspace() for ch in value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def origin_of_url(url: str) -> str | None:
    """The origin of an http(s) URL, or None when it is not one."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if not parts.netloc:
        return None
    return normalise_origin(f"{parts.scheme}://{parts.netloc}")
