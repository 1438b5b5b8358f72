"""Exercise figures drawn from a body model: skeleton, keyframes, checks and SVG.

Pure Python, no web or CLI imports, so the CLI, the web app and the PDF
handout can all call `kneecoach.figures.render`.
"""
