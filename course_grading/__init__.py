"""Instructor tooling: grading runs here, apart from the reference library students read.

- ``sandbox``: the bubblewrap sandbox every grading kernel runs in, with its limits.
- ``execute``: nbgrader's executor, sandboxed and crash-safe, with precomputed results.
- ``autograde``: ``python -m course_grading.autograde LAB --jobs N``, parallel autograding.
- ``feedback``: feedback without the source of hidden tests.
- ``integrity``: the scan for answer cells that could fool the tests.
- ``selfcheck``: a student's own check of a lab's visible tests (``make check``).

Nothing here is imported by a notebook: students' kernels never see this package.
"""
