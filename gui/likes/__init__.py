"""likes"""
