"""Micro-wishes (微心愿): residents' small wishes, verified, published, claimed, fulfilled, followed up."""
