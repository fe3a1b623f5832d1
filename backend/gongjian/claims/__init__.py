"""The two-way claim list (双向认领清单): service categories, service items and claims."""
