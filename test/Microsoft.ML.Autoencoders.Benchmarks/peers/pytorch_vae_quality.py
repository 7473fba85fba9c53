#!/usr/bin/env python3
"""The PyTorch examples' VAE (784-400-20, ReLU, BCE summed over the pixels + the closed-form KL, PyTorch's default
init), trained on all of MNIST and printing the test negative ELBO (nats per image, one latent draw per image, as the
example's test loss) after every epoch: the reference beside our `vae-quality` verb, with the same training choices
(batch, learning rate, cosine annealing to zero stepped per epoch) so a recipe can be held against itself.

  python3 pytorch_vae_quality.py [--epochs 10] [--batch 128] [--lr 1e-3] [--cosine] [--seed 1] [--threads 2] [--mnist DIR]

With no options it is the example as published (Adam 1e-3, batch 128). MNIST comes from the original gzip IDX files."""
import argparse
import time

import torch

from pytorch_bench import Vae, find_mnist, negative_elbo_sum, read_images


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--cosine", action="store_true", help="anneal the learning rate by a cosine to 0 over the epochs")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mnist")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    directory = find_mnist(args.mnist)
    train = read_images(f"{directory}/train-images-idx3-ubyte.gz", 60000)
    test = read_images(f"{directory}/t10k-images-idx3-ubyte.gz", 10000)
    model = Vae()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs) if args.cosine else None
    rows, training_seconds = train.shape[0], 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(rows)
        for first in range(0, rows, args.batch):
            x = train[order[first:first + args.batch]]
            optimizer.zero_grad()
            loss = negative_elbo_sum(model, x)
            loss.backward()
            optimizer.step()
        if schedule:
            schedule.step()
        training_seconds += time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            total = sum(float(negative_elbo_sum(model, test[s:s + 500])) for s in range(0, test.shape[0], 500))
        print(f"epoch {epoch:3}: test -ELBO {total / test.shape[0]:.2f} nats/image, training {training_seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main()
