"""The guided walk through the lecture, as data: one stop per claim, in the lecture's order.

Each stop quotes one sentence of the lecture (``LECTURE``) verbatim, a line break of the slide written as
a space; names the page that shows it (its ``url_path``, "" for the gradient-descent page at "/") and that
page's URL query values; asks the class a question; and names the check in ``claims.CLAIMS`` that the run
at these settings must pass. Reorder the list, or add a stop: ``settings`` must name every value its
check reads (the page's defaults may change), and ``tests/unit/test_lecture.py`` runs every check.
"""

from dataclasses import dataclass, field
from pathlib import Path

LECTURE = Path(__file__).with_name("training-neural-networks.txt")  # the lecture's text, as given


@dataclass(frozen=True)
class Stop:
    """One stop of the walk: the lecture's sentence, the page and settings that show it, a question."""

    title: str
    sentence: str  # verbatim from the lecture
    page: str  # the url_path of the page it belongs to
    settings: dict = field(hash=False)  # that page's URL query values (text, as in a link)
    question: str
    claim: str  # a key of claims.CLAIMS
    answer: str = ""


# The gradient-descent page's settings on the quadratic bowl at its first view, written out.
_BOWL = {"landscape": "quadratic", "quadratic.condition": "10.0", "quadratic.angle": "30.0"}
_RAVINE = {"landscape": "quadratic", "quadratic.condition": "100.0", "quadratic.angle": "0.0"}
# The Overfitting page's first view: a 2 → 32 → 32 → 32 → 1 ReLU network on 100 noisy circle points.
_OVERFIT = {"dataset": "circle", "points": "100", "noise": "0.25", "data_seed": "0", "depth": "3",
            "width": "32", "activation": "relu", "lr": "0.02", "batch": "25", "train_steps": "2000",
            "dropout": "0.0", "l2": "0.0", "early": "0", "patience": "10", "compare": "0"}

STOPS = [
    Stop("Loss optimization", "Take small step in opposite direction of the gradient", "",
         dict(_BOWL, optimizer="sgd", **{"sgd.learning_rate": "0.15"}, steps="100", start="point",
              **{"x0.quadratic": "-2.5", "y0.quadratic": "2.0"}),
         "The yellow arrow is −∂J/∂W. Before we press Play: will the path head straight for the minimum ★?",
         "downhill",
         "Not straight: −∂J/∂W is at right angles to the level sets, and on this stretched bowl that points "
         "across the valley, not at its centre, so the path zig-zags. Yet every step lowers the loss."),
    Stop("Gradient descent", "Repeat Until Convergence", "",
         dict(landscape="himmelblau", optimizer="sgd", **{"sgd.learning_rate": "0.01"}, steps="100",
              start="random", seed="3", sigma="1.0"),
         "Four minima, all with J = 0, and a start drawn from N(0, σ²). Which one will this run reach? "
         "Would another draw?",
         "converges",
         "The one whose valley the start lies in: gradient descent only ever walks downhill from where it "
         "starts. Another seed on the full page can end in another minimum."),
    Stop("Backpropagation",
         r"How does a small change in one weight (ex. w_2) affect the final loss $J(\mathbf{W})$",
         "backpropagation", dict(x="1.5", y="0.3", w1="0.5", w2="-1.2"),
         "Both gradients are products of the derivatives on the edges. Which factor do they share?",
         "chain_rule",
         "∂J/∂ŷ, the purple edge at the end: backpropagation computes it once and passes it back to every "
         "weight before it, so the gradients of later layers are reused."),
    Stop("The loss landscape", "Training Neural Networks is Difficult!", "loss-landscape",
         {"net": "tanh", "view": "slice", "dir_seed": "0", "extent": "1.0", "log_color": "1"},
         "The picture shows two directions through hundreds of weights. What could the other directions "
         "hide?",
         "slice_minimum",
         "Anything: another plane (New directions on the full page) cuts the landscape elsewhere and draws "
         "another picture. The lecture's picture is one such slice of a far bigger network."),
    Stop("Small learning rates", "Small learning rates converge slowly and get stuck in a false "
         "local minima.", "learning-rate",
         {"landscape": "trap", "optimizer": "sgd", "schedule": "constant", "steps": "200", "x0.trap": "2.5",
          "y0.trap": "1.5", "lr.small": "0.01", "lr.large": "3.16", "lr.stable": "0.501"},
         "The small-η run slows down and stops. Has it found the lowest loss?",
         "stuck",
         "No: it rests in a narrow dip, J ≈ 0.97, on the side of a wide bowl whose bottom is J = 0. The "
         "gradient there is zero, and steps this short never leave the dip."),
    Stop("Large learning rates", "Large learning rates overshoot, become unstable and diverge.",
         "learning-rate",
         dict(_BOWL, optimizer="sgd", schedule="constant", steps="100", **{"x0.quadratic": "-2.5",
              "y0.quadratic": "2.0", "lr.small": "0.00501", "lr.large": "0.251", "lr.stable": "0.0794"}),
         "On this bowl gradient descent is stable only for η < 2/λmax = 0.2. What will η = 0.251 do?",
         "diverges",
         "Each step overshoots the valley and lands higher on the other side, |1 − ηλmax| ≈ 1.5 times "
         "further out each time, until the numbers blow up."),
    Stop("Stable learning rates", "Stable learning rates converge smoothly and avoid local minima.",
         "learning-rate",
         {"landscape": "trap", "optimizer": "sgd", "schedule": "constant", "steps": "150", "x0.trap": "3.5",
          "y0.trap": "-1.5", "lr.small": "0.0251", "lr.large": "2.51", "lr.stable": "0.794"},
         "The same surface with its false minimum in the way. Will this run fall into the dip?",
         "reaches_minimum",
         "No: the dip is so narrow that it holds only steps with η below about 0.18. This step is too long "
         "for the dip but fine for the wide bowl, so the run passes it and settles at the global minimum."),
    Stop("Adaptive learning rates", "Design an adaptive learning rate that “adapts” to the landscape!",
         "optimizer-race",
         dict(_RAVINE, start="point", steps="200", race="sgd,adagrad,rmsprop,adam",
              **{"x0.quadratic": "-2.5", "y0.quadratic": "2.0", "race.sgd.learning_rate": "0.0158",
                 "race.adagrad.learning_rate": "0.794", "race.rmsprop.learning_rate": "0.0631",
                 "race.adam.learning_rate": "0.126"}),
         "A ravine: steep across, flat along. Gradient descent has one η for both weights. Who reaches the "
         "bottom first?",
         "adaptive_first",
         "The adaptive ones. Adagrad, RMSProp and Adam divide each weight's step by the size of its own "
         "recent gradients: big steps along the flat direction, small ones across the steep one."),
    Stop("Mini-batches", "Easy to compute but very noisy (stochastic)!", "mini-batches",
         {"data": "linear", "n": "200", "noise": "0.5", "data_seed": "0", "steps": "100", "start": "point",
          "x0.linear": "-2.0", "y0.linear": "1.0", "batch_seed": "0", "lr.gd": "0.1", "lr.sgd": "0.02",
          "lr.mini": "0.05", "batch": "16"},
         "Gradient descent on all 200 examples, SGD on one at a time, a mini-batch of 16, all from one "
         "start. Which will walk the most crooked path, and why?",
         "sgd_noisier",
         "The straightest is gradient descent (the true gradient); the most crooked is SGD, each step "
         "following one example's gradient; the mini-batch lies between, at 16 examples a step instead of "
         "200."),
    Stop("Overfitting", "Too complex, extra parameters do not generalize well", "overfitting", dict(_OVERFIT),
         "The training loss keeps falling. Is the network still getting better?",
         "overfits",
         "Only at its training points. The validation loss, on points it never trains on, turns and rises: "
         "it has learnt the noise of 50 points, not the circle."),
    Stop("Dropout", "During training, randomly set some activations to 0.", "overfitting",
         dict(_OVERFIT, dropout="0.5", compare="1"),
         "Dropping half of the activations at every step makes training harder. Will the validation loss "
         "end higher or lower?",
         "regularized_lower",
         "Lower: no unit can rely on any one other, so the network cannot memorize single noisy points as "
         "easily."),
    Stop("Early stopping", "Stop training before we have a possibility to overfit.",
         "overfitting", dict(_OVERFIT, early="1", compare="1"),
         "When should training stop?",
         "regularized_lower",
         "When the validation loss has not improved for a while (here 10 evaluations): keep the weights of "
         "its best evaluation, not the last ones."),
]


def page_file(url_path):
    """The script of the page at ``url_path`` ("" is the gradient-descent page): pages/<lesson>/page.py."""
    return f"pages/{(url_path or 'gradient-descent').replace('-', '_')}/page.py"
