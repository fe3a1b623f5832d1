"""The baseline: a bare `async` hello-world FastAPI endpoint, served exactly like the real app."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
