"""The demo community (`gongjian load-demo`): 黄石中院 and 老虎头社区 in 2017, after the source article."""
