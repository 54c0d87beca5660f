from tests.harness import BotHarness


async def test_stranger_start_offers_languages(bot: BotHarness) -> None:
    user = await bot.user(500, "Stranger", "fa")
    await user.send("/start")
    assert user.buttons == ["English", "✓ دری", "پښتو"]
