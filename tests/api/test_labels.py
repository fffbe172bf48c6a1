"""Label selectors (k8s.io/apimachinery/pkg/labels): a selector of key=value pairs only (every
matchLabels) is matched as one subset test; it must answer as the requirements do, one by one."""

import itertools

from kubelab.api.labels import Selector, parse_selector


LABEL_SETS = [{}, {"app": "web"}, {"app": "web", "tier": "fe"}, {"app": "db"}, {"tier": "fe"},
              {"app": "web", "pod-template-hash": "5fbb8b9768"}]


def one_by_one(sel: Selector, labels: dict) -> bool:
    return all(r.matches(labels) for r in sel.requirements)


def test_equality_selectors_match_as_their_requirements_do():
    for text in ("app=web", "app==web", "app=web,tier=fe", "app in (web)", "tier=fe,app=db"):
        sel = parse_selector(text)
        assert sel.equality_pairs is not None, text
        for labels in LABEL_SETS:
            assert sel.matches(labels) == one_by_one(sel, labels), (text, labels)


def test_other_selectors_keep_the_requirement_walk():
    for text in ("app!=web", "app in (web,db)", "!app", "app", "app notin (db)"):
        sel = parse_selector(text)
        assert sel.equality_pairs is None, text
        for labels in LABEL_SETS:
            assert sel.matches(labels) == one_by_one(sel, labels), (text, labels)


def test_match_labels_and_the_empty_and_nil_selectors():
    # metav1.LabelSelectorAsSelector: {} selects everything, nil selects nothing
    assert all(Selector.from_label_selector({}).matches(labels) for labels in LABEL_SETS)
    nil = Selector.from_label_selector(None)
    assert nil.equality_pairs is None
    assert not any(nil.matches(labels) for labels in LABEL_SETS)
    sel = Selector.from_label_selector({"matchLabels": {"app": "web"}})
    assert [sel.matches(labels) for labels in LABEL_SETS] == [False, True, True, False, False, True]
    assert sel.matches(None) is False


def test_from_set_matches_every_subset_of_its_pairs():
    pairs = {"app": "web", "tier": "fe"}
    for n in range(3):
        for keys in itertools.combinations(pairs, n):
            sel = Selector.from_set({k: pairs[k] for k in keys})
            assert sel.matches({**pairs, "extra": "x"})
            assert sel.matches({}) == (n == 0)
