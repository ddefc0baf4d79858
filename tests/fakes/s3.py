"""A real S3 API on loopback for tests: moto's server, on a free port, that can go down and come
back on the same port (its state is kept), and a plain boto3 client to set up what tests need."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def free_port() -> int:
    """A loopback port nobody listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Endpoint:
    """A moto S3 server that can go down and come back on the same port (state is kept)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: ThreadedMotoServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        assert self.server._server is not None
        self.server._server.server_close()  # release the port: connections are refused
        self.server = None


def client(endpoint_url: str | None) -> S3Client:
    """A plain boto3 client to set up and inspect the bucket behind the code under test."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@contextmanager
def running_s3(*buckets: str) -> Iterator[str]:
    """A started server with ``buckets`` created; yields its URL, stops it afterwards."""
    server = Endpoint()
    server.start()
    for bucket in buckets:
        client(server.url).create_bucket(Bucket=bucket)
    try:
        yield server.url
    finally:
        if server.server is not None:
            server.stop()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    ep = Endpoint()
    ep.start()
    yield ep
    if ep.server is not None:
        ep.stop()
