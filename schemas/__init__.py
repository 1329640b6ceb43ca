"""The versioned XSDs of cpas-sdk, shipped as package data."""
