# base: solution
# mistake: a sigmoid after the decoder's last layer (probabilities instead of logits)
# caught: visible decoder_test
# named: no activation after the last layer
# %% decoder_answer
class Decoder(nn.Module):
    def __init__(self, latent_dim, hidden_dims, output_dim):
        super().__init__()
        layers, size = [], latent_dim
        for h in hidden_dims:
            layers += [nn.Linear(size, h), nn.ReLU()]
            size = h
        layers += [nn.Linear(size, output_dim), nn.Sigmoid()]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)
