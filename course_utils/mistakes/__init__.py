"""The catalogued mistakes of each lab, as code: what each classic mistake computes.

A test cell computes, on its own input, what the reference gives and what each mistake in this
catalogue gives, and passes both to :func:`course_utils.grading.assert_close`. When a student's
answer is wrong *and* matches one of these, the failure names the mistake ("you used the variance
where the standard deviation goes") instead of only showing two numbers.

One module per lab (``lab01``, ``lab02``, ...). Each function takes the inputs of the graded
function it shadows and returns ``{explanation: value}``; the explanation is written to the student
(second person, what was done and what to do instead). These are deliberately *wrong*
computations: reading them gives nothing away but the ways to go wrong.

The prepared submissions ``tests/submissions/<lab>/mistake_*.py`` commit each catalogued mistake
to a notebook; ``python -m course_grading.mistakes`` runs them and reports, per lab, how many are
caught by the visible tests, by the hidden tests, and recognised by name.
"""
