"""`meson install --destdir`: the installed tree alone runs jobs — `bin/sparkpp submit` finds the
installed Python package, and a plain Python process importing that package finds
`bin/sparkpp` (no SPARKPP_BIN, nothing of the build tree on PATH or PYTHONPATH); the sbin/
scripts and conf/ templates are there; scripts/package-deb makes a .deb of it whose systemd
units' command lines start a master and a worker from the unpacked package, that `dpkg -i`
installs (into a scratch root: `dpkg --root --force-script-chrootless`, the package's scripts
honouring $DPKG_ROOT), runs a job from and purges, and whose units pass `systemd-analyze
verify` (systemd is not PID 1 in this container, so the units cannot be started by systemctl:
their ExecStart lines are run instead); the man page renders."""
import json
import os
import shlex
import shutil
import signal
import subprocess
import urllib.request

import pytest

import jobs
from daemons import wait_until

BUILD = os.path.dirname(jobs.binary())

JOB = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
print("RESULT", spark.sparkContext.parallelize(range(4)).sum(), spark.range(3).count())
spark.stop()
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(destdir, prefix): one `meson install` for the module."""
    if not os.path.isfile(os.path.join(BUILD, "build.ninja")):
        pytest.skip("SPARKPP_BIN is not in a meson build directory")
    dest = tmp_path_factory.mktemp("root")
    subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet", "--destdir",
                    str(dest)], check=True, capture_output=True, timeout=300)
    opts = subprocess.run(["meson", "introspect", BUILD, "--buildoptions"], check=True,
                          capture_output=True, text=True).stdout
    prefix = next(o["value"] for o in json.loads(opts) if o["name"] == "prefix")
    return str(dest), prefix


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("SPARKPP_BIN", "PYTHONPATH", "SPARKPP_DRIVER_PORT", "SPARKPP_HOME")}
    env["PATH"] = "/usr/bin:/bin"
    env["SPARKPP_PYTHON"] = jobs.job_python()
    return env


def test_installed_tree_runs_jobs(installed, tmp_path):
    dest, prefix = installed
    root = dest + prefix
    binary = os.path.join(root, "bin", "sparkpp")
    pkg = os.path.join(root, "share", "sparkpp", "python")
    assert os.access(binary, os.X_OK) and os.path.isfile(os.path.join(pkg, "sparkpp", "shell.py"))
    # byte-compiled by the install (scripts/compile-python.py): no Python process compiles it
    assert any(f.startswith("rdd.") for f in os.listdir(os.path.join(pkg, "sparkpp", "__pycache__")))
    share = os.path.join(root, "share", "sparkpp")
    assert os.access(os.path.join(share, "sbin", "start-all.sh"), os.X_OK)
    assert os.path.isfile(os.path.join(share, "conf", "workers.template"))
    script = tmp_path / "job.py"
    script.write_text(JOB)
    env = clean_env()
    # 1. the installed binary runs a script
    p = subprocess.run([binary, "submit", str(script)], capture_output=True, text=True,
                       timeout=120, env=env, cwd=tmp_path)
    assert p.returncode == 0 and "RESULT 6 3" in p.stdout, p.stderr
    # 2. plain Python with the installed package starts the installed binary
    p = subprocess.run([jobs.job_python(), str(script)], capture_output=True, text=True,
                       timeout=120, env=dict(env, PYTHONPATH=pkg), cwd=tmp_path)
    assert p.returncode == 0 and "RESULT 6 3" in p.stdout, p.stderr


def unit_command(path, dest, overrides, var_dir):
    """A unit's ExecStart as systemd would run it: Environment= values (then `overrides`, as
    /etc/default/sparkpp would set them), $VAR split on spaces, ${VAR} one word; the binary
    under `dest`, /var/lib/sparkpp replaced by `var_dir`. Returns (argv, env)."""
    env, exec_start = {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith("Environment="):
            for assignment in shlex.split(line[len("Environment="):]):
                k, _, v = assignment.partition("=")
                env[k] = v
        elif line.startswith("ExecStart="):
            exec_start = line[len("ExecStart="):]
    env.update(overrides)
    argv = []
    for w in exec_start.split():
        if w.startswith("${"):
            argv.append(env[w[2:-1]])
        elif w.startswith("$"):
            argv += env[w[1:]].split()
        else:
            argv.append(w.replace("/var/lib/sparkpp", var_dir))
    assert argv[0].startswith("/") and argv[0].endswith("/bin/sparkpp"), argv
    argv[0] = dest + argv[0]
    return argv, env


@pytest.fixture(scope="module")
def deb(installed, tmp_path_factory):
    """scripts/package-deb over the installed tree (once for the module)."""
    dest, _ = installed
    repo = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    return subprocess.run([os.path.join(repo, "scripts", "package-deb"), "--from-destdir", dest,
                           str(tmp_path_factory.mktemp("dist"))], check=True, capture_output=True, text=True,
                          timeout=600, cwd=repo).stdout.strip().splitlines()[-1]


def test_man_page(installed):
    dest, prefix = installed
    page = os.path.join(dest + prefix, "share", "man", "man1", "sparkpp.1")
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", page], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    for text in ["SPARKPP(1)", "sparkpp submit", "--deploy-mode", "--supervise", "SPARKPP_CONF_DIR",
                 "sparkpp worker", "spark://HOST:PORT"]:
        assert text in p.stdout, text
    p = subprocess.run(["man", "-l", page], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, MANPAGER="cat", MANWIDTH="100"))
    assert p.returncode == 0 and "sparkpp pyspark" in p.stdout, p.stderr


def test_deb_installs_with_dpkg_runs_a_job_and_purges(deb, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("dpkg --root installs files owned by root: run as root")
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    for d in ("info", "updates", "triggers"):
        (admin / d).mkdir(parents=True)
    (admin / "status").write_text("")
    (root / "etc").mkdir()
    for f in ("passwd", "group", "shadow", "gshadow", "login.defs"):  # what useradd --prefix edits
        if os.path.exists("/etc/" + f):
            shutil.copy("/etc/" + f, root / "etc" / f)
    dpkg = ["dpkg", "--root=%s" % root, "--force-script-chrootless", "--log=/dev/null"]
    # --force-depends: the scratch root's dpkg database knows none of the host's packages.
    p = subprocess.run(dpkg + ["--force-depends", "-i", deb], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    status = subprocess.run(dpkg + ["-s", "sparkpp"], capture_output=True, text=True).stdout
    assert "Status: install ok installed" in status, status
    assert "\nsparkpp:" in "\n" + (root / "etc" / "passwd").read_text()  # postinst's user
    assert not any(line.startswith("sparkpp:") for line in open("/etc/passwd"))  # not the host's
    binary = root / "usr" / "bin" / "sparkpp"
    assert (root / "usr" / "share" / "man" / "man1" / "sparkpp.1.gz").is_file()
    assert (root / "etc" / "sparkpp" / "spark-defaults.conf").is_file()
    script = tmp_path / "job.py"
    script.write_text(JOB)
    p = subprocess.run([str(binary), "submit", str(script)], capture_output=True, text=True, timeout=120,
                       env=clean_env(), cwd=tmp_path)
    assert p.returncode == 0 and "RESULT 6 3" in p.stdout, p.stderr
    # postinst byte-compiled the Python package (prerm removes it again: the purge below)
    assert (root / "usr" / "share" / "sparkpp" / "python" / "sparkpp" / "__pycache__").is_dir()
    # The units as systemd would load them from that root (PID 1 here is not systemd).
    if shutil.which("systemd-analyze"):
        units = root / "usr" / "lib" / "systemd" / "system"
        subprocess.run(["cp", "-an", "/usr/lib/systemd/system/.", str(units)], check=True)  # targets they name
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", "--generators=no", "--root=%s" % root] +
                           [str(units / ("sparkpp-%s.service" % u)) for u in ("master", "worker", "history")],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and p.stderr.strip() == "", p.stderr
    p = subprocess.run(dpkg + ["--purge", "sparkpp"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not binary.exists() and not (root / "etc" / "sparkpp" / "spark-defaults.conf").exists()
    assert not (root / "usr" / "share" / "sparkpp").exists()
    assert "sparkpp:" not in (root / "etc" / "passwd").read_text()


def test_deb_package_and_its_units_start_master_and_worker(deb, tmp_path):
    # The .deb unpacked into a scratch root: the systemd units' command lines start a master
    # and a worker from it.
    fields = subprocess.run(["dpkg-deb", "-f", deb, "Package", "Depends"], check=True,
                            capture_output=True, text=True).stdout
    assert "Package: sparkpp" in fields and "python3-cloudpickle" in fields and "libuv1" in fields
    subprocess.run(["dpkg-deb", "-e", deb, str(tmp_path / "control")], check=True)
    assert "useradd --system" in (tmp_path / "control" / "postinst").read_text()
    root = str(tmp_path / "root")
    subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    units = os.path.join(root, "usr", "lib", "systemd", "system")
    assert sorted(os.listdir(units)) == ["sparkpp-history.service", "sparkpp-master.service",
                                         "sparkpp-worker.service"]
    for u in os.listdir(units):
        text = open(os.path.join(units, u)).read()
        assert "User=sparkpp" in text and "ExecStart=/usr/bin/sparkpp " in text, text
    assert os.path.isfile(os.path.join(root, "etc", "sparkpp", "spark-defaults.conf"))
    var = tmp_path / "var"
    var.mkdir()
    procs = []
    try:
        def start(unit, overrides):
            argv, env = unit_command(os.path.join(units, unit), root, overrides, str(var))
            penv = dict(clean_env(), SPARKPP_CONF_DIR=str(tmp_path))  # the unit's, relocated
            assert env["SPARKPP_CONF_DIR"] == "/etc/sparkpp"
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    stdin=subprocess.DEVNULL, cwd=var, env=penv,
                                    start_new_session=True)
            procs.append(proc)
            line = proc.stdout.readline().decode()
            assert " listening: " in line, (argv, line)
            return dict(kv.split("=", 1) for kv in line.split(": ", 1)[1].split())

        loop = "--host 127.0.0.1 --port 0 --webui-port 0"
        m = start("sparkpp-master.service", {"SPARKPP_MASTER_ARGS": loop})
        start("sparkpp-worker.service", {"SPARKPP_MASTER_URL": m["url"],
                                         "SPARKPP_WORKER_ARGS": loop + " --cores 1 --memory 512m"})

        def state():
            url = "http://127.0.0.1:%s/json" % m["webui_port"]
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.loads(r.read().decode())
        wait_until(lambda: state()["aliveworkers"] == 1, 20, "the worker ALIVE")
        assert os.path.isdir(var / "work")  # the unit's --work-dir
    finally:
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            p.stdout.close()
