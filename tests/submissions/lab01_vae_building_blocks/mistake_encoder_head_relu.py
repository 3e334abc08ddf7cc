# base: solution
# mistake: a ReLU after the mu and logvar heads
# caught: visible encoder_test
# named: there is an activation after a head
# %% encoder_answer
class Encoder(nn.Module):
    def __init__(self, input_dim, hidden_dims, latent_dim):
        super().__init__()
        layers, size = [], input_dim
        for h in hidden_dims:
            layers += [nn.Linear(size, h), nn.ReLU()]
            size = h
        self.body = nn.Sequential(*layers)
        self.mu = nn.Sequential(nn.Linear(size, latent_dim), nn.ReLU())
        self.logvar = nn.Sequential(nn.Linear(size, latent_dim), nn.ReLU())

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)
