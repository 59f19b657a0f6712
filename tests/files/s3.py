"""A local S3 server (moto's server mode) on loopback, and settings pointing asset files at it.

Real HTTP all the way: django-storages and boto3 talk to the server over a socket, presigned URLs
are fetched with a plain HTTP client."""

from __future__ import annotations

import socket
import uuid
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY, SECRET_KEY, REGION = "testing", "testing", "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def s3_server():
    """Yields the endpoint URL of a moto S3 server running in a thread of this process."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def new_bucket(endpoint: str) -> str:
    name = f"assets-{uuid.uuid4().hex[:12]}"
    client(endpoint).create_bucket(Bucket=name)
    return name


def storage_settings(endpoint: str, bucket: str) -> dict:
    """STORAGES["default"] as config/settings.py builds it from AWS_* variables."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket, "endpoint_url": endpoint, "region_name": REGION, "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY, "default_acl": "private", "querystring_auth": True, "querystring_expire": 60,
            "file_overwrite": False,
        },
    }


def environment(endpoint: str, bucket: str) -> dict:
    """The variables that make config/settings.py use the bucket (for app-server subprocesses)."""
    return {
        "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }


def keys(endpoint: str, bucket: str) -> list[str]:
    listing = client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))
