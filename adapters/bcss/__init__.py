"""BCSS/KSZ "Loi 65" decision forms (AB, C, DF) and the SSDN envelope: mapping SDK documents to and from the official schemas."""
