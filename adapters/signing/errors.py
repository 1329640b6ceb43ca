"""Errors of the signing adapter: one root, narrow subclasses.

Every class derives from :class:`~cpas.sdk.errors.CpasError` and ``ValueError``
so callers can catch all SDK errors, all signing errors or one kind. Messages
name the container entry and the reason; they never quote file content.
"""

from __future__ import annotations

from typing import ClassVar

from ...sdk.errors import CpasError

__all__ = [
    "ContainerError",
    "KeyLoadError",
    "SignatureRefused",
    "SigningError",
    "TimestampError",
    "TokenError",
    "TsaUnreachable",
    "UnsafeContainer",
]


class SigningError(CpasError, ValueError):
    """Root of the signing adapter's errors."""

    code: ClassVar[str] = "SIGN-ERROR"


class ContainerError(SigningError):
    """The ASiC-E container is malformed (wrong mimetype, missing manifest, bad entry…)."""

    code = "ASIC-INVALID"


class UnsafeContainer(ContainerError):
    """The zip holds a construct refused for safety (zip slip, duplicate, symlink, bomb…)."""

    code = "ASIC-UNSAFE"


class KeyLoadError(SigningError):
    """A private key or certificate could not be loaded (wrong password, no certificate…)."""

    code = "SIGN-KEY"


class SignatureRefused(SigningError):
    """Signing was refused: an existing signature does not verify, the policy forbids it…"""

    code = "SIGN-REFUSED"


class TokenError(KeyLoadError):
    """A PKCS#11 token or its key cannot be used (module, token, key, wrong PIN…).

    The message never holds the PIN.
    """

    code = "SIGN-TOKEN"


class TimestampError(SigningError):
    """An RFC 3161 timestamp could not be obtained, or the token returned is not acceptable."""

    code = "TSP-ERROR"


class TsaUnreachable(TimestampError):
    """The TSA could not be reached: connection refused, name not found, time-out.

    A TSA that answers with an HTTP error or a refusal raises :class:`TimestampError`.
    """

    code = "TSP-UNREACHABLE"
