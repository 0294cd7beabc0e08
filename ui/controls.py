"""Widgets generated from the registries' specs; every value read back is validated again."""

import streamlit as st

from landscapes import LANDSCAPES
from ui.validate import clean_hyperparams, log_options, near_one_options


def format_number(value):
    """A compact label for a slider stop: 0.001, 1e-05, 0.9999."""
    return f"{value:.6g}"


def number_widget(spec, key):
    """One slider for a hyperparameter spec, bound to the URL so a link reproduces the view."""
    if spec.log or spec.near_one:
        maker = log_options if spec.log else near_one_options
        options = maker(spec.min, spec.max, spec.default)
        return st.select_slider(spec.label, options=options, value=float(spec.default), key=key,
                                format_func=format_number, help=spec.help, bind="query-params")
    step = 1.0 if spec.max - spec.min >= 50 else (spec.max - spec.min) / 100
    return st.slider(spec.label, float(spec.min), float(spec.max), float(spec.default), step=step,
                     key=key, help=spec.help, bind="query-params")


def spec_sliders(specs, prefix):
    """Sliders for a tuple of HyperParam specs; returns their cleaned values by name."""
    values = {h.name: number_widget(h, f"{prefix}.{h.name}") for h in specs}
    return clean_hyperparams(specs, values)


def registry_select(label, registry, key, default):
    """A select box over a registry's keys, showing display names, bound to the URL."""
    # Not bind="query-params": that would put display names in the URL; the stable keys go there.
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in registry else default
    choice = st.selectbox(label, list(registry), key=key, format_func=lambda k: registry[k].name)
    if st.query_params.get(key) != choice:  # rewriting an unchanged value races later slider updates
        st.query_params[key] = choice
    return choice


def landscape_select(default):
    """The surface select box and the surface's own sliders: (key, landscape, surface parameters)."""
    key = registry_select("Loss surface", LANDSCAPES, "landscape", default)
    landscape = LANDSCAPES[key]
    values = spec_sliders(landscape.params, key)
    return key, landscape, tuple(float(v) for v in landscape.theta(**values))
