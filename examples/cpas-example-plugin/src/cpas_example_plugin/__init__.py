"""Example cpas-sdk adapter plugin: a made-up pipe-separated reimbursement export."""

from .adapter import AcmePipeAdapter

__all__ = ["AcmePipeAdapter"]
