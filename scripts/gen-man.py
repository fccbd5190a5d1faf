#!/usr/bin/env python3
"""Writes the sparkpp(1) man page from the binary's own --help texts (run by the build:
`gen-man.py BUILD/sparkpp OUT/sparkpp.1`), so the page never disagrees with the program.

The subcommands' option lists come verbatim from `sparkpp <cmd> --help`; the rest (environment,
files, examples) is written here."""
import subprocess
import sys

COMMANDS = ["submit", "pyspark", "master", "worker", "history", "secret"]

HEAD = r""".TH SPARKPP 1 "" "sparkpp %(version)s" "User Commands"
.SH NAME
sparkpp \- Apache Spark's standalone cluster and PySpark engine in C++
.SH SYNOPSIS
.B sparkpp submit
[\fIOPTIONS\fR] \fIjob.py\fR [\fIARGS\fR...]
.br
.B sparkpp pyspark
[\fIOPTIONS\fR]
.br
.B sparkpp master
[\fIOPTIONS\fR]
.br
.B sparkpp worker
[\fIOPTIONS\fR] \fBspark://\fIHOST\fB:\fIPORT\fR
.br
.B sparkpp history
[\fIOPTIONS\fR]
.br
.B sparkpp secret
\fBnew\fR | \fBui\fR
.SH DESCRIPTION
.B sparkpp
is one executable with the roles of Apache Spark's
.BR spark-submit ,
.BR pyspark ,
the standalone master and worker daemons and the history server.
It runs PySpark programs (the
.B pyspark
package it ships, API-compatible with PySpark 3.5) on
.BR local[N]
or on a standalone cluster (\fBspark://\fR master URLs).
A plain \fBpython3\fR process that creates a SparkSession starts the driver runtime itself.
"""

TAIL = r""".SH ENVIRONMENT
.TP
.B SPARKPP_CONF_DIR\fR, \fBSPARK_CONF_DIR
The configuration directory (default \fB./conf\fR): \fBsparkpp-defaults.conf\fR or
\fBspark-defaults.conf\fR (settings), \fBlog.properties\fR (logging), \fBsparkpp-env.sh\fR,
\fBworkers\fR (the sbin scripts).
.TP
.B SPARKPP_LOG_CONF
A logging configuration file to use instead of \fI$SPARKPP_CONF_DIR\fB/log.properties\fR.
.TP
.B SPARKPP_LOG_DIR
Where daemons write their log files (\fBappender.file.enabled = true\fR in log.properties;
the sbin scripts' \fI.out\fR files too).
.TP
.B SPARKPP_LOG_LEVEL
DEBUG, INFO, WARN, ERROR or OFF for drivers and executors (default WARN).
.TP
.B SPARKPP_PYTHON\fR, \fBPYSPARK_PYTHON\fR, \fBPYSPARK_DRIVER_PYTHON
The Python interpreter of the driver program and of the executors' workers.
\fBPYSPARK_DRIVER_PYTHON=ipython3\fR (with \fBPYSPARK_DRIVER_PYTHON_OPTS\fR) runs the shell in IPython.
.TP
.B SPARKPP_SECRET
The cluster's shared secret when \fBspark.authenticate=true\fR and no secret file is configured.
.SH FILES
.TP
.I /etc/sparkpp/spark-defaults.conf
Settings of the packaged services (the systemd units set \fBSPARKPP_CONF_DIR=/etc/sparkpp\fR).
.TP
.I /etc/default/sparkpp
Command lines of the services \fBsparkpp-master\fR, \fBsparkpp-worker\fR, \fBsparkpp-history\fR.
.TP
.I PREFIX/share/sparkpp/sbin
Spark's cluster scripts: \fBstart-all.sh\fR, \fBstop-all.sh\fR, \fBstart-master.sh\fR, \fBstart-workers.sh\fR ...
.SH EXAMPLES
.nf
sparkpp master --host 10.0.0.1
sparkpp worker --cores 8 --memory 16g spark://10.0.0.1:7077
sparkpp submit --master spark://10.0.0.1:7077 --total-executor-cores 16 job.py in.txt
sparkpp submit --master spark://10.0.0.1:7077 --deploy-mode cluster --supervise job.py
sparkpp submit --master spark://10.0.0.1:7077 --status driver-20250101120000-0000
sparkpp pyspark --master local[4]
python3 -c 'from pyspark.sql import SparkSession; print(SparkSession.builder.getOrCreate().range(5).count())'
.fi
.SH SEE ALSO
The documentation in \fIPREFIX/share/doc/sparkpp\fR or the source tree's \fBdocs/\fR:
deploy.md, configuration.md, security.md; Apache Spark's documentation.
"""


def escape(line):
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def section(text):
    return ".nf\n" + "\n".join(escape(x) for x in text.rstrip().splitlines()) + "\n.fi\n"


def main():
    binary, out = sys.argv[1], sys.argv[2]

    def run(*args):
        p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
        return p.stdout + p.stderr

    version = run("--version").split()[-1]
    page = HEAD % {"version": version}
    page += ".SH COMMANDS\n"
    for cmd in COMMANDS:
        page += ".SS sparkpp %s\n" % cmd + section(run(cmd, "--help"))
    page += TAIL
    with open(out, "w") as f:
        f.write(page)


if __name__ == "__main__":
    main()
