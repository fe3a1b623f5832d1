"""Residents (居民): a community's residents, their logins (WeChat or a password), and their own profile."""
