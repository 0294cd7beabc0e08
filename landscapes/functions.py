"""Standard optimization test functions of two variables, written in jax.numpy.

Formulas and minima follow the Virtual Library of Simulation Experiments (Surjanovic & Bingham);
each takes ``p`` of shape (2,) and the surface parameters ``theta`` (unused by most).
"""

import jax.numpy as jnp

PI = jnp.pi


def quadratic(p, theta):
    """An ill-conditioned bowl 0.5 (u^2 + kappa v^2) in axes rotated by theta[1] degrees."""
    kappa, angle = theta[0], jnp.deg2rad(theta[1])
    u = jnp.cos(angle) * p[0] + jnp.sin(angle) * p[1]
    v = -jnp.sin(angle) * p[0] + jnp.cos(angle) * p[1]
    return 0.5 * (u**2 + kappa * v**2)


def saddle(p, theta):
    """x^2 - y^2: a stationary point at the origin that is not a minimum."""
    x, y = p
    return x**2 - y**2


def rosenbrock(p, theta):
    """(1 - x)^2 + 100 (y - x^2)^2: a curved, flat-bottomed valley."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def himmelblau(p, theta):
    """(x^2 + y - 11)^2 + (x + y^2 - 7)^2: four equal minima."""
    x, y = p
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def beale(p, theta):
    """Beale's function: sharp ridges around a flat minimum at (3, 0.5)."""
    x, y = p
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
            + (2.625 - x + x * y**3) ** 2)


def booth(p, theta):
    """(x + 2y - 7)^2 + (2x + y - 5)^2: a tilted bowl."""
    x, y = p
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def matyas(p, theta):
    """0.26 (x^2 + y^2) - 0.48 xy: a long, shallow, diagonal valley."""
    x, y = p
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def mccormick(p, theta):
    """sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1."""
    x, y = p
    return jnp.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1


def rastrigin(p, theta):
    """20 + sum(x_i^2 - 10 cos(2 pi x_i)): a bowl covered in local minima."""
    return 20 + jnp.sum(p**2 - 10 * jnp.cos(2 * PI * p))


def ackley(p, theta):
    """Ackley's function: a nearly flat plate with a deep hole at the origin."""
    # max() keeps the gradient finite at the origin, where the cone is not differentiable.
    radius = jnp.sqrt(jnp.maximum(0.5 * jnp.sum(p**2), 1e-30))
    waves = 0.5 * jnp.sum(jnp.cos(2 * PI * p))
    return -20 * jnp.exp(-0.2 * radius) - jnp.exp(waves) + 20 + jnp.e


def goldstein_price(p, theta):
    """Goldstein-Price: several local minima, values spanning six orders of magnitude."""
    x, y = p
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return a * b


def six_hump_camel(p, theta):
    """(4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2: six local minima, two global."""
    x, y = p
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def three_hump_camel(p, theta):
    """2x^2 - 1.05x^4 + x^6/6 + xy + y^2: three local minima."""
    x, y = p
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def styblinski_tang(p, theta):
    """sum(x_i^4 - 16 x_i^2 + 5 x_i) / 2: four basins, one deepest."""
    return 0.5 * jnp.sum(p**4 - 16 * p**2 + 5 * p)


def levi13(p, theta):
    """Levi N.13: ripples on a bowl centred at (1, 1)."""
    x, y = p
    return (jnp.sin(3 * PI * x) ** 2 + (x - 1) ** 2 * (1 + jnp.sin(3 * PI * y) ** 2)
            + (y - 1) ** 2 * (1 + jnp.sin(2 * PI * y) ** 2))


def trap(p, theta):
    """A wide bowl centred at (-1.5, 0) with a narrow, shallow dip at x = 1.5: a false minimum.

    0.25 (x + 1.5)^2 + 0.5 y^2 - 1.2 exp(-(x - 1.5)^2 / 0.18). The dip's curvature (about 11) is
    twenty times the bowl's (0.5 along x, 1 along y): small rates settle in the dip; rates from
    about 0.2 to 2 are unstable inside it, jump out and then converge smoothly in the bowl; rates
    above 2 diverge. The dip adds less than 1e-20 at (-1.5, 0), so the global minimum is 0 there.
    """
    x, y = p
    return 0.25 * (x + 1.5) ** 2 + 0.5 * y**2 - 1.2 * jnp.exp(-((x - 1.5) ** 2) / 0.18)
