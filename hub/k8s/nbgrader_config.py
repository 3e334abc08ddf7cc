"""nbgrader's settings in the single-user image on Kubernetes (hub/k8s/): ngshare is the exchange.

On one server the exchange is a shared folder whose Unix permissions keep submissions apart
(hub/jupyter/common/nbgrader_config.py). In Zero to JupyterHub every pod runs as the same uid, so here
nbgrader's exchange classes talk to ngshare, a JupyterHub service that checks each request's hub token
and keeps its own course roster (hub/README.md, "Zero to JupyterHub"). The image copies this file to
/etc/jupyter/nbgrader_config.py; values.yaml sets NGSHARE_URL and COURSE_NBGRADER_COURSE_ID in every pod.
"""

import os

from ngshare_exchange import configureExchange

c = get_config()  # noqa: F821 (provided by nbgrader)

configureExchange(c, os.environ.get("NGSHARE_URL", "http://ngshare.jhub.svc.cluster.local:8080/services/ngshare"))
c.CourseDirectory.course_id = os.environ.get("COURSE_NBGRADER_COURSE_ID", "vae-chem")
