"""The player's picture folder under many sessions at once: pictures named by content, reused, the oldest
pruned, and a picture another session deleted meanwhile is not an error (a class of 30 hit it)."""

from pathlib import Path

import ui.player as player


class VanishingFolder:
    """A folder whose listing names a picture another session deletes before it is looked at."""

    def __init__(self, real):
        self.real = real

    def glob(self, pattern):
        return [*self.real.glob(pattern), self.real / "deleted-meanwhile.png"]

    def __truediv__(self, name):
        return self.real / name

    def mkdir(self, **kwargs):
        self.real.mkdir(**kwargs)


def test_pictures_are_named_by_content_and_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(player, "CACHE", tmp_path)
    first = player.store_picture(b"picture one")
    assert first == player.store_picture(b"picture one") and first.startswith("cache/")
    assert (tmp_path / Path(first).name).read_bytes() == b"picture one"
    assert first != player.store_picture(b"picture two")


def test_the_oldest_pictures_go_and_a_vanished_one_is_no_error(tmp_path, monkeypatch):
    monkeypatch.setattr(player, "CACHE", VanishingFolder(tmp_path))
    monkeypatch.setattr(player, "MAX_PICTURES", 2)
    names = [Path(player.store_picture(f"picture {k}".encode())).name for k in range(4)]
    kept = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(kept) == 2 and set(kept) <= set(names)
    assert names[-1] in kept, "the newest picture stays"
