"""The client keeps up with the contract: one helper per method of API/galley.openrpc.json, with the
API's parameter names. A method added to the server without a helper fails here."""

import inspect
import json
from pathlib import Path

from galley_client import Client

OPENRPC = Path(__file__).resolve().parents[3] / "API" / "galley.openrpc.json"

# Helpers whose signature differs from the API on purpose (documented in their docstrings):
# commit takes (message, ops, id=None, dry_run=False) and generates the id; subscribe is a
# generator taking client-side options; changeset_revert generates its id when none is given.
CUSTOM_SIGNATURES = {"changeset.commit", "sync.subscribe"}
GENERATED_WHEN_OMITTED = {("changeset.revert", "id")}


def contract():
    return json.loads(OPENRPC.read_text(encoding="utf-8"))


def test_every_api_method_has_exactly_one_helper():
    api_methods = {method["name"] for method in contract()["methods"]}
    helpers = Client.api_helpers()
    missing = sorted(api_methods - set(helpers))
    unknown = sorted(set(helpers) - api_methods)
    assert not missing, f"API methods without a helper in galley_client.Client: {missing}"
    assert not unknown, f"helpers for methods the API does not have: {unknown}"
    assert len(set(helpers.values())) == len(helpers)


def test_helper_keywords_are_named_as_in_the_api():
    helpers = Client.api_helpers()
    for method in contract()["methods"]:
        name = method["name"]
        if name in CUSTOM_SIGNATURES:
            continue
        signature = inspect.signature(getattr(Client, helpers[name]))
        parameters = {p.name: p for p in signature.parameters.values() if p.name != "self"}
        api_params = {p["name"]: p.get("required", False) for p in method["params"]}
        assert set(parameters) == set(api_params), f"{helpers[name]} takes {sorted(parameters)}, {name} has {sorted(api_params)}"
        for param, required in api_params.items():
            parameter = parameters[param]
            assert parameter.kind == inspect.Parameter.KEYWORD_ONLY, f"{helpers[name]}({param}) should be keyword-only"
            helper_required = parameter.default is inspect.Parameter.empty
            if (name, param) in GENERATED_WHEN_OMITTED:
                assert not helper_required
            else:
                assert helper_required == required, f"{helpers[name]}({param}): required should be {required}"


def test_custom_signatures_are_the_documented_ones():
    commit = inspect.signature(Client.commit)
    assert list(commit.parameters) == ["self", "message", "ops", "id", "dry_run"]
    assert commit.parameters["id"].default is None and commit.parameters["dry_run"].default is False
    assert inspect.isgeneratorfunction(Client.subscribe)
    assert inspect.isgeneratorfunction(Client.pull)


def test_every_helper_has_a_docstring():
    for name in Client.api_helpers().values():
        assert (getattr(Client, name).__doc__ or "").strip(), f"{name} has no docstring"


def test_the_server_serves_the_same_methods(client):
    served = {method["name"] for method in client.discover()["methods"]}
    assert served == set(Client.api_helpers())
