"""The one small-group rule, on tables worked out by hand."""
from labo.core.disclosure import hidden_cells


def test_a_small_count_is_hidden_with_enough_others_that_it_cannot_be_worked_out():
    grid = [[10, 3, 13],   # Lens: 3 people said "b"
            [6, 7, 13],    # Avion
            [16, 10, 26]]  # totals
    small, second = hidden_cells(grid, row_totals=True, column_totals=True)
    assert small == {(0, 1)}
    # Lens's 10 (else 13 - 10 = 3), then the 7 below the 3 (else 10 - 7 = 3), then Avion's 6 (else 13 - 6 = 7)
    assert second == {(0, 0), (1, 1), (1, 0)}
    for line in ([(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0), (1, 0)], [(0, 1), (1, 1)]):
        assert sum(1 for c in line if c in small | second) != 1


def test_a_group_under_five_hides_all_its_cells_even_zeros():
    grid = [[4, 0, 4], [9, 8, 17], [13, 8, 21]]
    small, second = hidden_cells(grid, row_totals=True, column_totals=True)
    assert {(0, 0), (0, 1), (0, 2)} <= small
    # 21 - 17 would give the hidden 4 back, and 8 - 8 the hidden 0: both go too
    assert {(1, 2), (1, 1)} <= second
    hidden = small | second
    lines = [[(i, j) for j in range(3)] for i in range(3)] + [[(i, j) for i in range(3)] for j in range(3)]
    assert all(sum(1 for c in line if c in hidden) != 1 for line in lines)


def test_nothing_is_hidden_when_every_group_has_five_or_more():
    grid = [[5, 6, 11], [7, 0, 7], [12, 6, 18]]
    assert hidden_cells(grid, row_totals=True, column_totals=True) == (set(), set())
