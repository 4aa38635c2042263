"""The documentation check: is a submission (indstilling) ready for the committee?"""
