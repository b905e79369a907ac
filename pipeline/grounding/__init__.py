"""grounding"""
