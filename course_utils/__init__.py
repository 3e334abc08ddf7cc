"""Reference implementations and helpers for the course "Generative Chemistry with VAEs".

One concept per module: ``vae`` (encoder, reparameterization, KL, ELBO), ``cvae`` (conditional
VAE), ``training`` (seeding, devices, annealing, the training loop), ``chem`` (RDKit helpers),
``data`` (the shipped molecules), ``plotting`` (curves, latent maps, t-SNE). Lab notebooks ask
students to build these pieces; their test cells compare against the versions here.
"""

__version__ = "0.1.0"
