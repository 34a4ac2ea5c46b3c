from coq_env.goals import parse_display, parse_targets

TWO_GOALS = (
    "2 goals (ID 7)\r\n  \r\n  x, y : R\r\n  H : x < y\r\n  H1 : forall z : R,\r\n       z > 0\r\n"
    "  ============================\r\n  x + 1 < y + 1\r\n\r\ngoal 2 (ID 8) is:\r\n 0 = 0\r\n\r\n"
)


def test_first_goal_is_structured_and_continuations_join():
    display = parse_display(TWO_GOALS)
    assert display.count == 2 and display.status == "open"
    assert display.first.hypotheses == ("x, y : R", "H : x < y", "H1 : forall z : R,\n     z > 0")
    assert display.first.target == "x + 1 < y + 1"
    assert parse_targets(TWO_GOALS.replace("\r\n", "\n")) == {2: "0 = 0"} == display.targets


def test_the_last_display_wins_after_backto():
    stale = "1 goal (ID 3)\n  \n  ============================\n  old\n"
    fresh = "1 goal (ID 6)\n  \n  a : nat\n  ============================\n  new\n\n"
    display = parse_display(stale + fresh)
    assert display.first.target == "new" and display.first.hypotheses == ("a : nat",)


def test_no_goals_statuses():
    assert parse_display("No more goals.\r\n").status == "proved"
    assert parse_display("<infomsg>No more goals, but there are some goals you gave up:</infomsg>\n\n1 goal").status == "given_up"
    unfocused = "<infomsg>\r\nThis subproof is complete, but there are some unfocused goals.\r\n</infomsg>\r\n1 goal\r\n\r\ngoal 1 (ID 4) is:\r\n True\r\n"
    assert parse_display(unfocused).status == "unfocused"
