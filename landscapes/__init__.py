"""Loss surfaces keyed by stable strings: ``LANDSCAPES[key].fn(p)``, bounds, minima, min_value."""

import math

from hyperparams import HyperParam
from landscapes import data as d
from landscapes import functions as f
from landscapes.base import DataSetLandscape, Landscape

_MCCORMICK_MIN = (0.5 - math.pi / 3, -0.5 - math.pi / 3)
_SIX_HUMP_MIN = (0.0898420131, -0.7126564030)

_ALL = (
    Landscape(
        "quadratic", "Quadratic bowl (ill-conditioned)", f.quadratic, ((-3, 3), (-3, 3)),
        ((0.0, 0.0),), 0.0,
        r"\tfrac12 (u^2 + \kappa v^2)",
        (-2.5, 2.0),
        params=(HyperParam("condition", "condition number κ", 10.0, 1.0, 100.0, log=True,
                           help="Ratio of the steepest to the flattest curvature."),
                HyperParam("angle", "rotation θ (degrees)", 30.0, 0.0, 90.0,
                           help="Turns the bowl's axes away from the coordinate axes.")),
        note="(u, v) are (x, y) turned by θ. Hessian eigenvalues 1 and κ: gradient descent is "
             "stable for η < 2/κ, fastest at η = 2/(1 + κ)."),
    Landscape("saddle", "Saddle", f.saddle, ((-2, 2), (-2, 2)), (), None, r"x^2 - y^2",
              (-1.8, 0.05), note="No minimum: the loss falls without bound along y."),
    Landscape("rosenbrock", "Rosenbrock", f.rosenbrock, ((-2, 2), (-1, 3)), ((1.0, 1.0),), 0.0,
              r"(1 - x)^2 + 100\,(y - x^2)^2", (-1.5, 2.0), log_color=True),
    Landscape("himmelblau", "Himmelblau", f.himmelblau, ((-5, 5), (-5, 5)),
              ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
              0.0, r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2", (0.0, 0.0), log_color=True),
    Landscape("beale", "Beale", f.beale, ((-4.5, 4.5), (-4.5, 4.5)), ((3.0, 0.5),), 0.0,
              r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", (1.0, 1.5),
              log_color=True),
    Landscape("booth", "Booth", f.booth, ((-10, 10), (-10, 10)), ((1.0, 3.0),), 0.0,
              r"(x + 2y - 7)^2 + (2x + y - 5)^2", (-7.0, -7.0), log_color=True),
    Landscape("matyas", "Matyas", f.matyas, ((-10, 10), (-10, 10)), ((0.0, 0.0),), 0.0,
              r"0.26\,(x^2 + y^2) - 0.48\,xy", (-8.0, 6.0), log_color=True),
    Landscape("mccormick", "McCormick", f.mccormick, ((-1.5, 4), (-3, 4)), (_MCCORMICK_MIN,),
              -math.pi / 3 - math.sqrt(3) / 2, r"\sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1",
              (3.0, 3.0)),
    Landscape("rastrigin", "Rastrigin", f.rastrigin, ((-5.12, 5.12), (-5.12, 5.12)),
              ((0.0, 0.0),), 0.0, r"20 + \sum_i \left(x_i^2 - 10 \cos 2\pi x_i\right)",
              (3.3, 2.7)),
    Landscape("ackley", "Ackley", f.ackley, ((-5, 5), (-5, 5)), ((0.0, 0.0),), 0.0,
              r"-20 e^{-0.2 \sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + 20 + e",
              (3.5, 3.0), note="Not differentiable at the minimum; the gradient there is taken as 0."),
    Landscape("goldstein_price", "Goldstein-Price", f.goldstein_price, ((-2, 2), (-2, 2)),
              ((0.0, -1.0),), 3.0,
              r"[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]"
              r"\,[30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]",
              (-0.5, 0.5), log_color=True),
    Landscape("six_hump_camel", "Six-hump camel", f.six_hump_camel, ((-3, 3), (-2, 2)),
              (_SIX_HUMP_MIN, (-_SIX_HUMP_MIN[0], -_SIX_HUMP_MIN[1])), -1.0316284535,
              r"(4 - 2.1x^2 + x^4/3)\,x^2 + xy + (-4 + 4y^2)\,y^2", (-1.5, 1.0)),
    Landscape("three_hump_camel", "Three-hump camel", f.three_hump_camel, ((-5, 5), (-5, 5)),
              ((0.0, 0.0),), 0.0, r"2x^2 - 1.05x^4 + x^6/6 + xy + y^2", (-2.0, 2.0),
              log_color=True),
    Landscape("styblinski_tang", "Styblinski-Tang", f.styblinski_tang, ((-5, 5), (-5, 5)),
              ((-2.903534, -2.903534),), -78.33233140754282,
              r"\tfrac12 \sum_i \left(x_i^4 - 16 x_i^2 + 5 x_i\right)", (4.5, 4.0)),
    Landscape("levi13", "Lévi N.13", f.levi13, ((-10, 10), (-10, 10)), ((1.0, 1.0),), 0.0,
              r"\sin^2 3\pi x + (x-1)^2 (1 + \sin^2 3\pi y) + (y-1)^2 (1 + \sin^2 2\pi y)",
              (-4.0, 5.0), log_color=True),
    Landscape("trap", "Trap: a false minimum on a wide bowl", f.trap, ((-4, 4), (-2, 2)),
              ((-1.5, 0.0),), 0.0,
              r"\tfrac14 (x + 1.5)^2 + \tfrac12 y^2 - 1.2\, e^{-(x - 1.5)^2 / 0.18}", (2.5, 1.5),
              note="A narrow dip near (1.38, 0), J ≈ 0.966, beside the global minimum at (−1.5, 0). "
                   "Small steps settle in the dip; steps too big for the dip jump out of it."),
)


def _from_data(key, seed=0, n=200, noise=0.5):
    """A data landscape with its default data set, as a surface every page can use."""
    source = d.DATA_LANDSCAPES[key]
    data = source.make_data(seed, n, noise)
    features = data[0].shape[1]
    minima, min_value = d.minimum(key, data)

    def fn_with(p, theta):
        return source.fn_with(p, d.unpacked(theta, n, features))

    return DataSetLandscape(f"{key}_data", f"{source.name}, {n} points", fn_with, source.bounds, minima,
                            min_value, source.latex, source.start, log_color=source.log_color,
                            note=f"Data seed {seed}, noise {noise}. The Mini-batches page draws other data "
                                 "sets and samples mini-batches from them.",
                            packed_data=tuple(float(v) for v in d.packed(data)))


LANDSCAPES: dict[str, Landscape] = {landscape.key: landscape
                                    for landscape in (*_ALL, _from_data("linear"), _from_data("logistic"))}

__all__ = ["LANDSCAPES", "Landscape"]
