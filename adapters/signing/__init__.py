"""Signed exports: ASiC-E containers with detached XAdES baseline signatures."""
