async def test_real_redis_answers(redis) -> None:
    assert await redis.ping()
    info = await redis.info("server")
    assert info["redis_version"] >= "6.2"
