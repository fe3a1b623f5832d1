"""`gongjian` command: migrate, load reference data, create users, serve, write the spec."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import yaml
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from gongjian.models.enums import Role
from gongjian.settings import PROJECT_ROOT, get_settings

app = typer.Typer(help="共建 Gongjian 管理命令", no_args_is_help=True, add_completion=False)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="目标版本")] = "head") -> None:
    """Bring the database schema up to date (alembic upgrade)."""
    command.upgrade(alembic_config(), revision)
    typer.echo(f"数据库已迁移到 {revision}")


@app.command("load-reference")
def load_reference() -> None:
    """Load reference data (idempotent: running it again changes nothing)."""
    from gongjian.reference.loader import load_all

    counts = load_all()
    typer.echo("参考数据已加载：" + ("，".join(f"{k} {v}" for k, v in counts.items()) or "无"))


def _refuse(what: str, exc: Exception) -> NoReturn:
    """A refused account (a weak password, a taken name, a bad field): say why and exit 1."""
    from pydantic import ValidationError

    from gongjian.kit.errors import ProblemError
    from gongjian.kit.messages import message_for

    if isinstance(exc, ProblemError):
        reason = f"{exc.detail or exc.title}（{exc.code}）"
    elif isinstance(exc, ValidationError):
        reason = "；".join(f"{'.'.join(map(str, e['loc']))}：{message_for(e)}" for e in exc.errors())
    else:
        raise exc
    typer.echo(f"{what}失败：{reason}", err=True)
    raise typer.Exit(1) from exc


def _read_password(env_var: str) -> str | None:
    value = os.environ.get(env_var)
    if value:
        return value
    if sys.stdin.isatty():
        return str(typer.prompt("密码", hide_input=True, confirmation_prompt=True))
    return None


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[Role, typer.Option(help="角色")] = Role.member,
    display_name: Annotated[str | None, typer.Option(help="姓名，默认同登录名")] = None,
    organization_id: Annotated[int | None, typer.Option(help="所属党组织 id")] = None,
    password_env: Annotated[
        str, typer.Option(help="从该环境变量读取密码；没有则交互输入，再没有则生成并打印一次")
    ] = "GONGJIAN_PASSWORD",
) -> None:
    """Create an account. The password never comes from the command line itself."""
    from pydantic import ValidationError

    from gongjian.db import unit_of_work
    from gongjian.kit.errors import ProblemError
    from gongjian.kit.principal import SYSTEM
    from gongjian.users.schemas import UserCreate
    from gongjian.users.service import create_user as create

    password = _read_password(password_env)
    try:
        data = UserCreate(
            username=username,
            display_name=display_name or username,
            role=role,
            organization_id=organization_id,
            password=password,
        )
        with unit_of_work() as session:
            result = create(session, SYSTEM, data)
    except (ProblemError, ValidationError) as exc:
        _refuse("创建", exc)
    typer.echo(f"已创建账号 {result.username}（{Role.label_of(result.role)}，id {result.id}）")
    if result.generated_password:
        typer.echo(f"初始密码（只显示这一次）：{result.generated_password}")


@app.command("ensure-admin")
def ensure_admin() -> None:
    """Create the first platform admin if there is none (used by `make run`)."""
    from pydantic import ValidationError

    from gongjian.db import unit_of_work
    from gongjian.kit.errors import ProblemError
    from gongjian.kit.principal import SYSTEM
    from gongjian.models import User
    from gongjian.users.schemas import UserCreate
    from gongjian.users.service import create_user as create

    try:
        with unit_of_work() as session:
            if session.execute(select(User.id).where(User.role == Role.admin.value)).first():
                typer.echo("已有平台管理员账号，跳过创建")
                return
            username = os.environ.get("GONGJIAN_ADMIN_USERNAME", "admin")
            data = UserCreate(
                username=username,
                display_name="平台管理员",
                role=Role.admin,
                password=os.environ.get("GONGJIAN_ADMIN_PASSWORD") or None,
            )
            result = create(session, SYSTEM, data)
    except (ProblemError, ValidationError) as exc:
        _refuse("创建平台管理员", exc)
    typer.echo(f"已创建平台管理员：{result.username}")
    if result.generated_password:
        typer.echo(f"初始密码（只显示这一次，请妥善保存）：{result.generated_password}")


@app.command("load-demo")
def load_demo() -> None:
    """Create the demo community (黄石中院 and 老虎头社区, 2017) unless it exists.

    The demo logins' password comes from GONGJIAN_DEMO_PASSWORD; without it each login gets a
    generated password, printed once.
    """
    from gongjian.demo.loader import PASSWORD_ENV
    from gongjian.demo.loader import load_demo as load
    from gongjian.kit.errors import ProblemError

    try:
        result = load()
    except ProblemError as exc:
        _refuse("加载演示数据", exc)
    if not result.created:
        typer.echo(f"演示社区（老虎头社区党委，id {result.community_id}）已存在，跳过")
        return
    typer.echo(f"已创建演示社区：老虎头社区党委（id {result.community_id}），")
    typer.echo(f"共建单位：黄石市中级人民法院机关党委（id {result.court_id}）")
    typer.echo("演示账号：")
    for login in result.logins:
        password = login.password or f"（环境变量 {PASSWORD_ENV}）"
        typer.echo(f"  {login.username}（{Role.label_of(login.role)}）密码：{password}")


# The event loop the server runs. Not uvloop: with 32 connections on one process, uvloop served the
# organisation list at the same rate as asyncio's own loop but with a p99 of ~100 ms against ~21 ms
# (make bench, both loops, this 2-core machine; README "Performance"). Our requests are CPU-bound
# Python, where uvloop's faster I/O buys nothing and its scheduling let some connections wait.
SERVER_LOOP = "asyncio"
SERVER_HTTP = "httptools"


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: Annotated[int, typer.Option(envvar="WORKERS")] = 1,
) -> None:
    """Serve API, Swagger UI and the SPA on one port."""
    import uvicorn

    settings = get_settings()
    settings.resolved_secret_key  # noqa: B018 - create the shared keys before workers race for them
    settings.resolved_data_key  # noqa: B018
    typer.echo(f"共建 Gongjian: http://{host}:{port}/ （API /api/v1，文档 /docs）")
    # X-Forwarded-For decides the client address the login throttle counts, so it is believed only
    # from the proxies named in GONGJIAN_TRUSTED_PROXIES (uvicorn would otherwise trust 127.0.0.1).
    config = uvicorn.Config(
        "gongjian.app:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        loop=SERVER_LOOP,
        http=SERVER_HTTP,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        # With several workers uvicorn's supervisor kills a worker that doesn't answer its health
        # check within 5 s; on a busy 2-core machine importing the app alone took longer, so the
        # first worker was killed and restarted before it served anything (seen at load 9).
        timeout_worker_healthcheck=60,
    )
    if config.workers == 1:
        uvicorn.Server(config).run()
        return
    # What uvicorn.run does for several workers, with the listening socket marked as TCP: see
    # `tcp_listener`.
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[tcp_listener(config.bind_socket())]).run()


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The same listening socket, known to Python as IPPROTO_TCP.

    uvicorn binds the socket it shares between workers with `proto` 0; accepted sockets inherit
    it, and asyncio sets TCP_NODELAY on an accepted socket only when its proto is IPPROTO_TCP. So
    with `--workers N` Nagle's algorithm stayed on and every keep-alive request after the first
    waited ~43 ms for the client's delayed ACK (uvicorn issue #3149): two workers served a list
    slower than one. One worker is unaffected (asyncio binds that socket itself)."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="写入的文件")] = PROJECT_ROOT / "openapi.yaml",
) -> None:
    """Write the OpenAPI document the app serves, as YAML."""
    output.write_text(render_openapi(), encoding="utf-8")
    typer.echo(f"已写入 {output}")


def render_openapi() -> str:
    from gongjian.app import create_app

    return yaml.safe_dump(create_app().openapi(), sort_keys=False, allow_unicode=True, width=100)


@app.command("purge-idempotency")
def purge_idempotency() -> None:
    """Delete stored idempotent answers older than 24 hours."""
    from gongjian.kit.idempotency import purge_expired

    typer.echo(f"已清理 {purge_expired()} 条")


@app.command("purge-uploads")
def purge_uploads() -> None:
    """Delete uploaded images nobody attached within a day (rows, then the stored files)."""
    from gongjian.uploads.service import purge_unattached

    typer.echo(f"已清理 {purge_unattached()} 张图片")


@app.command("rotate-data-key")
def rotate_data_key(
    resume: Annotated[
        bool, typer.Option("--resume", help="不换新密钥，只把尚未使用当前密钥的数据重新加密（中断后续跑）")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="每批处理的行数（每批一个事务）")] = 500,
) -> None:
    """Re-encrypt every encrypted value under a new data key (README "Data keys").

    With the key kept in var/data.key: the old key moves to var/data.keyring (it still decrypts),
    a new one is written, and every value is re-encrypted, a batch per transaction. With
    GONGJIAN_DATA_KEY set, put the old value in var/data.keyring, set the new one, and run this
    (it then only re-encrypts). Safe to run again; exits 1 while some value can't be decrypted.
    """
    from gongjian.db import get_engine
    from gongjian.kit.data_keys import keyring, retire_current_key
    from gongjian.kit.rekeying import reencrypt_all

    if not resume and not get_settings().data_key:
        typer.echo(f"已生成新的数据密钥（{retire_current_key()}），旧密钥移入 data.keyring")
    typer.echo(f"当前数据密钥：{keyring().current_id}")
    with get_engine().connect() as conn:
        tally = reencrypt_all(conn, batch_size=batch_size, after_batch=conn.commit)
        conn.commit()
    typer.echo(f"已重新加密 {tally.rewritten} 项，已是当前密钥 {tally.current} 项，无法解密 {tally.unreadable} 项")
    if tally.unreadable:
        typer.echo(
            "有数据无法解密（见日志）：找回对应的旧密钥放入 data.keyring 后再运行；在此之前不要删除旧密钥", err=True
        )
        raise typer.Exit(1)


@app.command("deliver-webhooks")
def deliver_webhooks(
    loop: Annotated[bool, typer.Option("--loop", help="持续运行：处理完到期投递后休眠再处理")] = False,
    interval: Annotated[float, typer.Option(help="--loop 时两轮之间休眠的秒数")] = 10.0,
    limit: Annotated[int, typer.Option(help="每轮最多发送的投递数（Webhook 与订阅消息各自计数）")] = 100,
) -> None:
    """Send the webhook deliveries and WeChat subscription messages that are due, queueing the activity
    reminders first (once, or with --loop until stopped)."""
    import time

    from gongjian.notifications.sending import send_due
    from gongjian.webhooks.delivery import deliver_due

    if loop:
        typer.echo(f"Webhook 与订阅消息发送进程已启动（每 {interval:g} 秒检查一次）")
        while True:  # pragma: no cover - a loop for operators
            busy = deliver_due(limit=limit).attempted >= limit
            busy = send_due(limit=limit).attempted >= limit or busy
            if not busy:
                time.sleep(interval)
    run = deliver_due(limit=limit)
    typer.echo(f"已送达 {len(run.delivered)}，待重试 {len(run.retrying)}，失败 {len(run.failed)}")
    sent = send_due(limit=limit)
    typer.echo(
        f"订阅消息：新排入活动提醒 {sent.reminders_queued}，已发送 {len(sent.sent)}，未发送 {len(sent.skipped)}，"
        f"待重试 {len(sent.retrying)}，失败 {len(sent.failed)}"
    )


if __name__ == "__main__":
    app()
