# base: solution
# Honest answers, plus a cell that writes into every other student's submitted notebook (found by
# walking up to submitted/). It only stamps the notebook's metadata, so that a test can see the
# write; the same access could replace a classmate's answers. Without the sandbox it succeeds.
# %% vae_answer append
import json
import pathlib

_here = pathlib.Path.cwd()
for _base in _here.parents:
    for _other in _base.glob("submitted/*/*/*.ipynb"):
        if _here.parent.name not in _other.parts:
            _nb = json.loads(_other.read_text())
            _nb["metadata"]["edited_by_a_classmate"] = _here.parent.name
            _other.write_text(json.dumps(_nb))
