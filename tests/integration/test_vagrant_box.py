"""The Vagrantfile's provisioning, run on a fresh Debian 12 as `vagrant up` runs it.

No hypervisor image can be fetched here, so the box is Debian bookworm made by
debootstrap in a chroot. It has what a Vagrant box has: a `vagrant` user with
passwordless sudo, and the checkout's files in /vagrant, as the rsync synced
folder puts them. The provisioning script is read from the Vagrantfile and
run as that user. It installs everything from Debian, PyPI and npm, which also
proves the README's setup on a fresh machine.

In a chroot, systemctl enables units but starts none. The test starts the
unit the script wrote, as systemd would, and signs in with the password the
script printed.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import requests

from tests.support import ROOT, Service, answers, free_port, read_env_file, wait_until

pytestmark = pytest.mark.integration

MIRROR = "http://deb.debian.org/debian"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
UNIT = "etc/systemd/system/buildtail.service"


def provisioning_script() -> str:
    """The shell the Vagrantfile hands to its shell provisioner (a squiggly heredoc)."""
    text = (ROOT / "Vagrantfile").read_text()
    match = re.search(r"<<~'SHELL'\n(.*?)\nSHELL\n", text, re.S)
    assert match, "the Vagrantfile no longer holds its provisioning in a <<~'SHELL' heredoc"
    assert 'inline: PROVISION' in text
    return textwrap.dedent(match.group(1)) + "\n"


def in_box(root: Path, command: list[str], user: str = "root", env: dict | None = None) -> list:
    """``command`` inside the box, as ``user``, with only ``env``. The box gets
    its own PID and mount namespaces: its /proc is its own, which is also how
    systemctl knows it is in a chroot, its /dev/shm (Celery's pool needs one)
    too, and both go when the command ends."""
    environment = ["env", "-i", f"PATH={PATH}", "LANG=C.UTF-8",
                   *(f"{name}={value}" for name, value in (env or {}).items())]
    if user != "root":
        environment[2:2] = [f"HOME=/home/{user}", f"USER={user}", f"LOGNAME={user}"]
        environment = ["runuser", "-u", user, "--", *environment]
    return ["unshare", "--pid", "--mount", "--propagation", "private", "--fork",
            "sh", "-c", 'mount -t proc proc "$0/proc" && mount -t tmpfs -o mode=1777 tmpfs '
            '"$0/dev/shm" && chroot "$0" "$@"',
            str(root), *environment, *command]


def run_in_box(root: Path, command: list[str], **kwargs) -> str:
    result = subprocess.run(in_box(root, command, **kwargs), capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{command} failed in the box:\n{output[-6000:]}"
    return output


def mounts_under(root: Path) -> list[str]:
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    return [point for point in points if point.startswith(str(root))]


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A fresh Debian bookworm made into a Vagrant box, with the checkout in /vagrant."""
    assert os.geteuid() == 0, "making a Debian chroot takes root"
    root = tmp_path_factory.mktemp("vagrant-box") / "root"
    made = subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=sudo,systemd,ca-certificates",
         "bookworm", str(root), MIRROR],
        capture_output=True, text=True,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    try:
        run_in_box(root, ["useradd", "--create-home", "--shell", "/bin/bash", "vagrant"])
        sudoers = root / "etc/sudoers.d/vagrant"
        sudoers.write_text("vagrant ALL=(ALL) NOPASSWD:ALL\n")
        sudoers.chmod(0o440)
        with open(root / "etc/hosts", "a") as hosts:
            hosts.write(f"127.0.1.1 {os.uname().nodename}\n")
        shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
        # The box reaches the network this machine does, through the same
        # local CAs (a TLS-inspecting proxy's, say), if this machine has any.
        for certificate in Path("/usr/local/share/ca-certificates").glob("*.crt"):
            shutil.copy(certificate, root / "usr/local/share/ca-certificates")
        run_in_box(root, ["update-ca-certificates"])
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                 check=True).stdout.decode().split("\0")
        for name in filter(None, tracked):
            target = root / "vagrant" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
        run_in_box(root, ["chown", "-R", "vagrant:vagrant", "/vagrant"])
        yield root
    finally:
        # Nothing is mounted there beyond the namespaces above, unless a tool
        # left something behind: then unmount it before the folder is removed.
        for point in reversed(mounts_under(root)):
            subprocess.run(["umount", "-l", point], check=False)


def unit_settings(root: Path) -> configparser.SectionProxy:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(root / UNIT)
    return unit["Service"]


def signed_in(url: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(f"{url}/login", timeout=30, allow_redirects=False, data={
        "name": "admin", "password": password, "csrf_token": token, "next": "/",
    })
    assert answer.status_code == 303, answer.text
    return session


def test_vagrant_provisioning_brings_up_the_whole_stack(box, log_dir):
    script = box / "tmp/provision.sh"
    script.write_text(provisioning_script())
    output = run_in_box(box, ["bash", "/tmp/provision.sh"], user="vagrant")
    password = re.search(r"password (\S+)\)", output).group(1)

    # Enabled to start at boot, as systemctl does it in any root.
    assert (box / "etc/systemd/system/multi-user.target.wants/buildtail.service").is_symlink()
    service = unit_settings(box)
    settings = read_env_file(box / service["EnvironmentFile"].lstrip("/"))
    assert settings["HOST"] == "0.0.0.0" and len(settings["SECRET_KEY"]) == 64

    # The unit's command, as its user, in its directory and environment. Only
    # the port differs (the box uses 5000), so the test can run anywhere.
    port = free_port()
    command = f'cd "{service["WorkingDirectory"]}" && exec {service["ExecStart"]}'
    stack = Service(
        "vagrant-box",
        in_box(box, ["sh", "-c", command], user=service["User"],
               env={**settings, "PORT": str(port)}),
        {**os.environ}, log_dir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{url}/healthz", stack), 120, "the box's stack to answer")
        build = {"recipe": "fast", "params": {"LINES": "500"}}
        assert requests.post(f"{url}/api/builds", json=build, timeout=30).status_code == 401
        session = signed_in(url, password)
        started = session.post(f"{url}/api/builds", json=build, timeout=30)
        assert started.status_code == 202, started.text
        build_id = started.json()["id"]
        def state() -> str:
            return session.get(f"{url}/api/builds/{build_id}", timeout=30).json()["state"]

        wait_until(lambda: state() in {"succeeded", "failed", "cancelled"}, 120,
                   "the build in the box to finish")
        assert state() == "succeeded"
        log = session.get(f"{url}/builds/{build_id}/log.txt", timeout=30).text
        assert log.splitlines() == [f"line {n}" for n in range(1, 501)]
    finally:
        stack.stop()
