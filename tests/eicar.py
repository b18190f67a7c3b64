"""The EICAR anti-virus test file, built at run time so no file in the repository is one."""


def eicar_bytes() -> bytes:
    first = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-"
    second = b"ANTIVIRUS-TEST-FILE!$H+H*"
    return first + second
