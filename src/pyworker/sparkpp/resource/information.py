"""ResourceInformation: a named resource (gpu, fpga, ...) and its addresses."""


class ResourceInformation:
    def __init__(self, name, addresses):
        self._name = name
        self._addresses = addresses

    @property
    def name(self):
        return self._name

    @property
    def addresses(self):
        return self._addresses

    def __repr__(self):
        return "ResourceInformation(%r, %r)" % (self._name, self._addresses)
