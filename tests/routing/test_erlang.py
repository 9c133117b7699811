"""Erlang B/C staffing maths, checked against published worked examples and tables."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from kefu.routing.erlang import (
    agents_needed,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load,
    position_wait,
    service_level,
)

# --- Published example 1 --------------------------------------------------------------------
# Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example":
#   https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm
# 100 calls per 30 minutes, AHT 180 s, 80 % answered in 20 s, max occupancy 85 %, shrinkage
# 30 %. Stated results: traffic 10 Erlangs; 14 agents, P(wait) 0.1741, service level 88.8 %,
# ASA 7.8 s, 82.6 % answered immediately, occupancy 71.4 %; 14 / (1 - 0.3) = 20 rostered.
# The same example, with the N = 11..13 steps of the search, is printed in the README of the
# CRAN package ErlangC (https://CRAN.R-project.org/package=ErlangC, README at
# https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/README.html) and in the pyworkforce
# README (https://pypi.org/project/pyworkforce/0.1.0/: raw_positions 14, positions 20,
# service_level 0.88835, waiting_probability 0.17413, occupancy 0.714285).
CCH_RATE = 100 / (30 * 60)
CCH_AHT = 180.0
CCH_TARGET = 20.0

# N -> (P(wait), service level, ASA in seconds) as printed in the ErlangC README.
CCH_STEPS = {
    11: (0.6821182, 0.3896138, 122.78127684408),
    12: (0.4493882, 0.640158, 40.4449401868444),
    13: (0.2852705, 0.7955948, 17.1162271821896),
    14: (0.1741319, 0.88835, 7.83593701177724),
}

# --- Published example 2 --------------------------------------------------------------------
# README of the PyPI package call-center-tools (https://pypi.org/project/call-center-tools/):
# 1000 calls per hour, AHT 120 s, 80 % in 20 s, max occupancy 85 %, shrinkage 30 %.
# Stated results: traffic 33.333 Erlangs, P(wait) 19.07 %, service level 93.72 %,
# ASA 3.43 s, occupancy 83.33 %, 40 agents, 58 with shrinkage.
CCT_RATE = 1000 / 3600
CCT_AHT = 120.0
CCT_TARGET = 20.0


class TestCallCentreHelperExample:
    def test_traffic_is_ten_erlangs(self) -> None:
        assert offered_load(CCH_RATE, CCH_AHT) == pytest.approx(10.0)

    @pytest.mark.parametrize(("agents", "published"), sorted(CCH_STEPS.items()))
    def test_each_step_of_the_search(
        self, agents: int, published: tuple[float, float, float]
    ) -> None:
        waiting, level, asa = published
        traffic = offered_load(CCH_RATE, CCH_AHT)
        assert erlang_c(traffic, agents) == pytest.approx(waiting, abs=5e-7)
        assert service_level(CCH_RATE, CCH_AHT, agents, CCH_TARGET) == pytest.approx(
            level, abs=5e-7
        )
        assert average_speed_of_answer(CCH_RATE, CCH_AHT, agents) == pytest.approx(asa, rel=1e-9)

    def test_headline_figures_at_fourteen_agents(self) -> None:
        traffic = offered_load(CCH_RATE, CCH_AHT)
        assert round(erlang_c(traffic, 14), 4) == 0.1741
        assert round(service_level(CCH_RATE, CCH_AHT, 14, CCH_TARGET), 3) == 0.888
        assert round(average_speed_of_answer(CCH_RATE, CCH_AHT, 14), 1) == 7.8
        assert round(1 - erlang_c(traffic, 14), 3) == 0.826  # answered immediately
        assert round(occupancy(CCH_RATE, CCH_AHT, 14), 3) == 0.714

    def test_fourteen_agents_raw(self) -> None:
        assert agents_needed(CCH_RATE, CCH_AHT, 0.8, CCH_TARGET) == 14
        assert agents_needed(CCH_RATE, CCH_AHT, 0.8, CCH_TARGET, max_occupancy=0.85) == 14

    def test_twenty_agents_with_thirty_percent_shrinkage(self) -> None:
        rostered = agents_needed(
            CCH_RATE, CCH_AHT, 0.8, CCH_TARGET, shrinkage=0.3, max_occupancy=0.85
        )
        assert rostered == 20


class TestCallCenterToolsExample:
    def test_figures_at_forty_agents(self) -> None:
        traffic = offered_load(CCT_RATE, CCT_AHT)
        assert round(traffic, 3) == 33.333
        assert round(erlang_c(traffic, 40), 4) == 0.1907
        assert round(service_level(CCT_RATE, CCT_AHT, 40, CCT_TARGET), 4) == 0.9372
        assert round(average_speed_of_answer(CCT_RATE, CCT_AHT, 40), 2) == 3.43
        assert round(occupancy(CCT_RATE, CCT_AHT, 40), 4) == 0.8333

    def test_occupancy_cap_sets_forty_agents(self) -> None:
        capped = agents_needed(CCT_RATE, CCT_AHT, 0.8, CCT_TARGET, max_occupancy=0.85)
        assert capped == 40
        # The service level alone is met with fewer: here the 85 % cap is what binds.
        assert agents_needed(CCT_RATE, CCT_AHT, 0.8, CCT_TARGET) < 40

    def test_fifty_eight_with_shrinkage(self) -> None:
        rostered = agents_needed(
            CCT_RATE, CCT_AHT, 0.8, CCT_TARGET, shrinkage=0.3, max_occupancy=0.85
        )
        assert rostered == 58


class TestErlangB:
    def test_one_erlang_on_one_line_blocks_half(self) -> None:
        # B(A, 1) = A / (1 + A): textbook closed form for a single server.
        assert erlang_b(1.0, 1) == pytest.approx(0.5)

    def test_no_lines_blocks_everything(self) -> None:
        assert erlang_b(3.0, 0) == 1.0

    def test_no_traffic_blocks_nothing(self) -> None:
        assert erlang_b(0.0, 5) == 0.0

    def test_fifteen_lines_at_one_percent_carry_8_108_erlangs(self) -> None:
        # Westbay / erlang.com calculator manual, "How much traffic can a trunk group handle":
        # https://erlang.com/calculatormanual/howmuchtrafficcanatrunkgrouphandle.htm
        # 15 lines at 1 % blocking can be offered 8.108 Erlangs.
        assert erlang_b(8.108, 15) == pytest.approx(0.01, abs=5e-5)

    # Peter Dordal, "Erlang Models", Loyola University Chicago:
    # https://pld.cs.luc.edu/courses/346/sum15/mnotes/erlang.html
    # Lines needed for 1 % and 0.1 % blocking at a given traffic. A few rows are left out
    # because the table is slightly off there (checked with exact rational arithmetic and a
    # log-space sum of the Erlang B formula): at 1 %, 100 E needs 117 lines (not 118) and
    # 500 E needs 527 (not 526); at 0.1 %, the 200, 500 and 1000 E rows still block 0.103 %,
    # 0.102 % and 0.105 %.
    @pytest.mark.parametrize(
        ("traffic", "lines"),
        [(10, 18), (20, 30), (50, 64), (180, 201), (200, 221), (1000, 1029)],
    )
    def test_dordal_lines_needed_for_one_percent(self, traffic: int, lines: int) -> None:
        assert erlang_b(traffic, lines) <= 0.01 < erlang_b(traffic, lines - 1)

    @pytest.mark.parametrize(
        ("traffic", "lines"),
        [(10, 21), (20, 35), (50, 71), (100, 128), (180, 216)],
    )
    def test_dordal_lines_needed_for_a_tenth_of_a_percent(self, traffic: int, lines: int) -> None:
        assert erlang_b(traffic, lines) <= 0.001 < erlang_b(traffic, lines - 1)

    def test_rejects_negative_inputs(self) -> None:
        with pytest.raises(ValueError, match="traffic"):
            erlang_b(-1.0, 3)
        with pytest.raises(ValueError, match="agents"):
            erlang_b(1.0, -1)


class TestErlangCShape:
    def test_more_agents_means_less_waiting(self) -> None:
        traffic = 10.0
        chances = [erlang_c(traffic, n) for n in range(11, 40)]
        assert all(a > b for a, b in pairwise(chances))
        levels = [service_level(CCH_RATE, CCH_AHT, n, CCH_TARGET) for n in range(11, 40)]
        assert all(a < b for a, b in pairwise(levels))
        waits = [average_speed_of_answer(CCH_RATE, CCH_AHT, n) for n in range(11, 40)]
        assert all(a > b for a, b in pairwise(waits))

    def test_waiting_is_at_least_blocking(self) -> None:
        # A queue holds on to the arrivals Erlang B would have lost, so C >= B.
        for n in range(11, 30):
            assert erlang_c(10.0, n) >= erlang_b(10.0, n)

    def test_no_traffic_never_waits(self) -> None:
        assert erlang_c(0.0, 3) == 0.0
        assert average_speed_of_answer(0.0, 60.0, 3) == 0.0
        assert service_level(0.0, 60.0, 3, 0.0) == 1.0
        assert occupancy(0.0, 60.0, 3) == 0.0

    @pytest.mark.parametrize("agents", [0, 5, 9, 10])
    def test_unstable_queue(self, agents: int) -> None:
        rate = 10 / 60  # 10 Erlangs with a 60 s handle time
        assert erlang_c(10.0, agents) == 1.0
        assert average_speed_of_answer(rate, 60.0, agents) == math.inf
        assert service_level(rate, 60.0, agents, 20.0) == 0.0
        assert occupancy(rate, 60.0, agents) == 1.0

    def test_no_agents_and_no_traffic(self) -> None:
        assert average_speed_of_answer(0.0, 60.0, 0) == math.inf
        assert occupancy(0.0, 60.0, 0) == 0.0

    def test_large_team_does_not_overflow(self) -> None:
        # 500! and 480**500 overflow a float; the recursion must not.
        blocking = erlang_b(480.0, 500)
        waiting = erlang_c(480.0, 500)
        assert 0.0 < blocking < waiting < 1.0
        rate = 480.0 / 300.0
        asa = average_speed_of_answer(rate, 300.0, 500)
        assert math.isfinite(asa) and asa > 0
        assert 0.0 < service_level(rate, 300.0, 500, 20.0) < 1.0
        needed = agents_needed(rate, 300.0, 0.8, 20.0)
        assert 480 < needed < 600
        assert (
            service_level(rate, 300.0, needed, 20.0)
            >= 0.8
            > service_level(rate, 300.0, needed - 1, 20.0)
        )


class TestAgentsNeeded:
    def test_no_arrivals_needs_nobody(self) -> None:
        assert agents_needed(0.0, 180.0, 0.8, 20.0, shrinkage=0.3) == 0

    def test_result_is_the_smallest_that_meets_the_target(self) -> None:
        for rate in (0.01, 0.05, 0.2, 1.0):
            n = agents_needed(rate, 240.0, 0.9, 30.0)
            assert service_level(rate, 240.0, n, 30.0) >= 0.9
            assert service_level(rate, 240.0, n - 1, 30.0) < 0.9

    def test_occupancy_cap_is_respected(self) -> None:
        n = agents_needed(1.0, 240.0, 0.5, 60.0, max_occupancy=0.8)
        assert occupancy(1.0, 240.0, n) <= 0.8
        assert occupancy(1.0, 240.0, n - 1) > 0.8

    def test_exact_occupancy_boundary_is_not_rounded_up(self) -> None:
        # 8.5 / 0.85 is 10.000000000000002 in floats; 10 agents are exactly at the cap.
        assert agents_needed(8.5 / 60, 60.0, 0.01, 3600.0, max_occupancy=0.85) == 10

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"arrival_rate": -0.1}, "arrival_rate"),
            ({"handle_seconds": 0.0}, "handle_seconds"),
            ({"handle_seconds": -5.0}, "handle_seconds"),
            ({"target_level": 0.0}, "target_level"),
            ({"target_level": 1.0}, "target_level"),
            ({"target_level": 1.5}, "target_level"),
            ({"target_seconds": -1.0}, "target_seconds"),
            ({"shrinkage": 1.0}, "shrinkage"),
            ({"shrinkage": -0.1}, "shrinkage"),
            ({"max_occupancy": 0.0}, "max_occupancy"),
            ({"max_occupancy": 1.2}, "max_occupancy"),
        ],
    )
    def test_validation(self, kwargs: dict[str, float], message: str) -> None:
        args: dict[str, float] = {
            "arrival_rate": CCH_RATE,
            "handle_seconds": CCH_AHT,
            "target_level": 0.8,
            "target_seconds": CCH_TARGET,
        }
        keywords = ("shrinkage", "max_occupancy")
        options = {k: v for k, v in kwargs.items() if k in keywords}
        args.update({k: v for k, v in kwargs.items() if k not in keywords})
        with pytest.raises(ValueError, match=message):
            agents_needed(
                args["arrival_rate"],
                args["handle_seconds"],
                args["target_level"],
                args["target_seconds"],
                **options,
            )


class TestPositionWait:
    def test_free_slot_means_no_wait(self) -> None:
        assert position_wait(0, 1, 5, 300.0) == 0.0
        assert position_wait(2, 3, 0, 300.0) == 0.0

    def test_nobody_online_cannot_be_estimated(self) -> None:
        assert position_wait(0, 0, 0, 300.0) is None
        assert position_wait(7, 0, 0, 300.0) is None

    def test_next_in_line_waits_for_one_departure(self) -> None:
        # 4 busy slots, each finishing at rate 1/300 s: the first frees in 300 / 4 s.
        assert position_wait(0, 0, 4, 300.0) == pytest.approx(75.0)

    def test_each_place_back_adds_one_departure(self) -> None:
        assert position_wait(3, 0, 4, 300.0) == pytest.approx(300.0)
        assert position_wait(3, 1, 3, 300.0) == pytest.approx(225.0)

    def test_more_slots_shorten_the_wait(self) -> None:
        waits = [position_wait(5, 0, busy, 120.0) for busy in (1, 2, 4, 8)]
        assert waits == [720.0, 360.0, 180.0, 90.0]

    def test_rejects_nonsense(self) -> None:
        with pytest.raises(ValueError, match="position"):
            position_wait(-1, 0, 3, 60.0)
        with pytest.raises(ValueError, match="slot"):
            position_wait(0, -1, 3, 60.0)
        with pytest.raises(ValueError, match="handle_seconds"):
            position_wait(0, 0, 3, 0.0)
