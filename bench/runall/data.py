"""The data of bench/run_all, generated once into --data and reused: W1-W7's files
(/work/shared/bench/gen_data.py) and TPC-H CSVs (bench/tpch/gen.py; Parquet is written by
tpch/run.py --format parquet on first use). --quick uses small sizes in DATA/quick/."""
import os
import subprocess

from .common import BENCH, PY, SectionError

GEN_DATA = os.environ.get("SPARKPP_GEN_DATA", "/work/shared/bench/gen_data.py")
TABLES = ["region", "nation", "supplier", "part", "partsupp", "customer", "orders", "lineitem"]
# scale factors and W sizes: full and --quick
SIZES = {False: {"sf1": 1, "sf5": 5, "w": []},
         True: {"sf1": 0.01, "sf5": 0.05, "w": ["--text-mb", "2", "--pairs", "50000", "--points", "10000"]}}


class Data:
    def __init__(self, top, quick, reuse):
        self.top = os.path.join(top, "quick") if quick else top
        self.quick = quick
        self.sizes = SIZES[quick]
        self.reuse = reuse  # {"sf1": DIR, "sf5": DIR}: existing CSVs, linked, never written
        self.w = os.path.join(self.top, "w")
        self.sf1 = os.path.join(self.top, "tpch-sf%g" % self.sizes["sf1"])
        self.sf5 = os.path.join(self.top, "tpch-sf%g" % self.sizes["sf5"])

    def ensure_w(self, dry):
        if os.path.exists(os.path.join(self.w, "MANIFEST.json")) or dry:
            return
        if not os.path.exists(GEN_DATA):
            raise SectionError(f"no {GEN_DATA}: cannot generate W1-W7's data")
        print(f"  generating {self.w} ({GEN_DATA})", flush=True)
        subprocess.run([PY, GEN_DATA, self.w] + self.sizes["w"], check=True)

    def ensure_tpch(self, which, dry):
        out = getattr(self, which)
        done = os.path.join(out, ".complete")
        if os.path.exists(done) or dry:
            return out
        os.makedirs(out, exist_ok=True)
        src = self.reuse.get(which)
        if src:  # link the tables: what run.py/scan.py write (parquet/, scan/) goes here, not there
            for t in TABLES:
                path = os.path.join(os.path.abspath(src), t + ".csv")
                if not os.path.exists(path):
                    raise SectionError(f"--tpch-{which} {src}: no {t}.csv")
                link = os.path.join(out, t + ".csv")
                if not os.path.lexists(link):
                    os.symlink(path, link)
        else:
            sf = self.sizes[which]
            print(f"  generating TPC-H SF {sf} into {out} (bench/tpch/gen.py; SF 5 takes ~25 min)", flush=True)
            subprocess.run([PY, os.path.join(BENCH, "tpch", "gen.py"), out, "--sf", str(sf),
                            "--chunk", "300000"], check=True)
        open(done, "w").close()
        return out
