# base: solution
# mistake: the logvar head returns a variance (exp after the head)
# caught: visible encoder_test
# named: (here an exp)
# %% encoder_answer
class Encoder(nn.Module):
    def __init__(self, input_dim, hidden_dims, latent_dim):
        super().__init__()
        layers, size = [], input_dim
        for h in hidden_dims:
            layers += [nn.Linear(size, h), nn.ReLU()]
            size = h
        self.body = nn.Sequential(*layers)
        self.mu = nn.Linear(size, latent_dim)
        self.logvar = nn.Linear(size, latent_dim)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), torch.exp(self.logvar(h))
